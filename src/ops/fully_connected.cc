#include "ops/fully_connected.h"

#include <string>

#include "ops/gemm_split.h"
#include "ops/op_util.h"

namespace wi8 {

namespace {

Status validate(const FullyConnectedParams& p) {
  if (p.in_features == 0 || p.out_features == 0) {
    return Status::error("FullyConnected: inFeatures and outFeatures must be >= 1, got " +
                         std::to_string(p.in_features) + " and " + std::to_string(p.out_features));
  }
  if (p.in_features > FullyConnectedS8::kMaxInFeatures) {
    return Status::error("FullyConnected: inFeatures " + std::to_string(p.in_features) +
                         " exceeds " + std::to_string(FullyConnectedS8::kMaxInFeatures) +
                         " (the int32 accumulator could overflow)");
  }
  if (p.out_features > FullyConnectedS8::kMaxWeights / p.in_features) {
    return Status::error("FullyConnected: " + std::to_string(p.out_features) + " x " +
                         std::to_string(p.in_features) + " weights exceed the limit of " +
                         std::to_string(FullyConnectedS8::kMaxWeights));
  }
  WI8_RETURN_IF_ERROR(validate_int8_params(p.input, "FullyConnected: input"));
  WI8_RETURN_IF_ERROR(validate_int8_params(p.output, "FullyConnected: output"));
  return Status::ok();
}

}  // namespace

Status FullyConnectedS8::create(const FullyConnectedParams& params, const int8_t* w,
                                const float* weight_scales, const int32_t* bias,
                                std::unique_ptr<FullyConnectedS8>* out) {
  WI8_RETURN_IF_ERROR(validate(params));
  const size_t N = params.out_features, K = params.in_features;
  WI8_RETURN_IF_ERROR(check_int8_weights("FullyConnected", w, N * K, weight_scales, N));
  Requantization rq;
  WI8_RETURN_IF_ERROR(
      make_requantization("FullyConnected", params.input, weight_scales, params.output, N, &rq));

  std::unique_ptr<FullyConnectedS8> op(new FullyConnectedS8());
  op->params_ = params;
  WI8_RETURN_IF_ERROR(quantized_activation_range(params.activation, params.output,
                                                 &op->output_.qmin, &op->output_.qmax));
  op->weight_scales_.assign(weight_scales, weight_scales + N);
  op->packed_ = pack_gemm_s8(N, K, w, bias, params.input.zero_point, rq.multiplier.data());
  op->output_.multiplier = op->packed_.multiplier.data();
  op->output_.shift = rq.shift;
  op->output_.zero_point = params.output.zero_point;
  *out = std::move(op);
  return Status::ok();
}

Status FullyConnectedS8::create_from_float(const FullyConnectedParams& params, const float* w,
                                           const float* bias,
                                           std::unique_ptr<FullyConnectedS8>* out) {
  WI8_RETURN_IF_ERROR(validate(params));
  QuantizedWeights q;
  WI8_RETURN_IF_ERROR(quantize_float_weights("FullyConnected", w, bias, params.out_features,
                                             params.in_features, params.input.scale, &q));
  return create(params, q.weights.data(), q.scales.data(), q.bias_or_null(), out);
}

Status FullyConnectedS8::run(const int8_t* x, size_t x_len, size_t batch, int8_t* y,
                             size_t y_len) const {
  const size_t K = params_.in_features, N = params_.out_features;
  if (batch > x_len / K || x_len != batch * K) {
    return Status::error("FullyConnected: input has " + std::to_string(x_len) +
                         " values, expected batch (" + std::to_string(batch) + ") x inFeatures (" +
                         std::to_string(K) + ") = " + std::to_string(batch * K));
  }
  if (y_len != batch * N) {
    return Status::error("FullyConnected: output has room for " + std::to_string(y_len) +
                         " values, expected batch (" + std::to_string(batch) + ") x outFeatures (" +
                         std::to_string(N) + ") = " + std::to_string(batch * N));
  }
  gemm_s8_parallel(batch, x, K, packed_, output_, y, N);
  return Status::ok();
}

}  // namespace wi8
