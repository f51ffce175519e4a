#include "ops/op_util.h"

#include <cmath>
#include <string>

namespace wi8 {

Status check_int8_weights(const char* op, const int8_t* w, size_t count, const float* scales,
                          size_t channels) {
  for (size_t c = 0; c < channels; ++c) {
    if (!(std::isfinite(scales[c]) && scales[c] > 0.0f)) {
      return Status::error(std::string(op) + ": weightScales[" + std::to_string(c) +
                           "] must be a finite number > 0");
    }
  }
  for (size_t i = 0; i < count; ++i) {
    if (w[i] == -128) {
      return Status::error(std::string(op) + ": weights[" + std::to_string(i) +
                           "] is -128; symmetric int8 weights must lie in [-127, 127]");
    }
  }
  return Status::ok();
}

Status make_requantization(const char* op, const QuantParams& input, const float* weight_scales,
                           const QuantParams& output, size_t channels, Requantization* out) {
  std::vector<double> real(channels);
  for (size_t c = 0; c < channels; ++c) {
    real[c] = static_cast<double>(input.scale) * weight_scales[c] / output.scale;
  }
  Status s = compute_requantization_gemm(real.data(), channels, out);
  if (!s.is_ok()) return Status::error(std::string(op) + ": " + s.message());
  return Status::ok();
}

Status quantize_float_weights(const char* op, const float* w, const float* bias, size_t channels,
                              size_t size, float input_scale, QuantizedWeights* out) {
  for (size_t i = 0; i < channels * size; ++i) {
    if (!std::isfinite(w[i])) {
      return Status::error(std::string(op) + ": weights[" + std::to_string(i) + "] is not finite");
    }
  }
  out->weights.resize(channels * size);
  out->scales.resize(channels);
  quantize_weights_per_channel(w, channels, size, out->weights.data(), out->scales.data());
  out->bias.clear();
  if (bias) {
    out->bias.resize(channels);
    for (size_t c = 0; c < channels; ++c) {
      if (!std::isfinite(bias[c])) {
        return Status::error(std::string(op) + ": bias[" + std::to_string(c) + "] is not finite");
      }
      out->bias[c] = quantize_bias(bias[c], input_scale, out->scales[c]);
    }
  }
  return Status::ok();
}

}  // namespace wi8
