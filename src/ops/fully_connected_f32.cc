#include "ops/fully_connected_f32.h"

#include <string>

#include "ops/float_activation.h"

namespace wi8 {

namespace {

constexpr const char* kOp = "FullyConnectedF32";

Status validate(const FullyConnectedF32Params& p) {
  if (p.in_features == 0 || p.out_features == 0) {
    return Status::error(std::string(kOp) + ": inFeatures and outFeatures must be >= 1, got " +
                         std::to_string(p.in_features) + " and " + std::to_string(p.out_features));
  }
  if (p.out_features > FullyConnectedF32::kMaxWeights / p.in_features) {
    return Status::error(std::string(kOp) + ": " + std::to_string(p.out_features) + " x " +
                         std::to_string(p.in_features) + " weights exceed the limit of " +
                         std::to_string(FullyConnectedF32::kMaxWeights));
  }
  return check_float_activation(kOp, p.activation);
}

}  // namespace

Status FullyConnectedF32::create(const FullyConnectedF32Params& params, const float* w,
                                 const float* bias, std::unique_ptr<FullyConnectedF32>* out) {
  WI8_RETURN_IF_ERROR(validate(params));
  std::unique_ptr<FullyConnectedF32> op(new FullyConnectedF32());
  op->params_ = params;
  const GemmF32Choice gemm = choose_gemm_f32(params.out_features);
  op->gemm_ = gemm.fn;
  op->packed_ = pack_gemm_f32(params.out_features, params.in_features, w, bias, gemm.nr);
  *out = std::move(op);
  return Status::ok();
}

Status FullyConnectedF32::run(const float* x, size_t x_len, size_t batch, float* y,
                              size_t y_len) const {
  const size_t K = params_.in_features, N = params_.out_features;
  if (batch > x_len / K || x_len != batch * K) {
    return Status::error(std::string(kOp) + ": input has " + std::to_string(x_len) +
                         " values, expected batch (" + std::to_string(batch) + ") x inFeatures (" +
                         std::to_string(K) + ") = " + std::to_string(batch * K));
  }
  if (batch > y_len / N || y_len != batch * N) {
    return Status::error(std::string(kOp) + ": output has room for " + std::to_string(y_len) +
                         " values, expected batch (" + std::to_string(batch) + ") x outFeatures (" +
                         std::to_string(N) + ") = " + std::to_string(batch * N));
  }
  gemm_(batch, x, K, packed_, params_.activation.min, params_.activation.max, y, N);
  return Status::ok();
}

}  // namespace wi8
