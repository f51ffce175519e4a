// Checks and preparation steps shared by the int8 ops with per-channel weights (FC, Conv).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "quant/quant.h"

namespace wi8 {

// Symmetric int8 weights must lie in [-127, 127]; per-channel scales must be finite and > 0.
Status check_int8_weights(const char* op, const int8_t* w, size_t count, const float* scales,
                          size_t channels);

// Requantization of channel c: input.scale * weight_scales[c] / output.scale, with
// compute_requantization_gemm (S = 32 where it keeps the precision).
Status make_requantization(const char* op, const QuantParams& input, const float* weight_scales,
                           const QuantParams& output, size_t channels, Requantization* out);

// Float weights [channels x size] and bias (may be null) -> per-channel symmetric int8 weights,
// their scales and an int32 bias (empty if bias is null). Fails on non-finite values.
struct QuantizedWeights {
  std::vector<int8_t> weights;
  std::vector<float> scales;
  std::vector<int32_t> bias;
  const int32_t* bias_or_null() const { return bias.empty() ? nullptr : bias.data(); }
};
Status quantize_float_weights(const char* op, const float* w, const float* bias, size_t channels,
                              size_t size, float input_scale, QuantizedWeights* out);

}  // namespace wi8
