// FullyConnected, int8: y = act(x * W^T + b) with per-output-channel symmetric int8 weights, int32
// bias, asymmetric int8 input and output, fixed-point requantization and the activation fused as a
// clamp.
//
// An op validates its parameters once, prepares what its kernel needs (packed weights,
// requantization multipliers) and then runs many times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "kernels/gemm/gemm_s8.h"
#include "quant/quant.h"

namespace wi8 {

struct FullyConnectedParams {
  size_t in_features = 0;
  size_t out_features = 0;
  QuantParams input;
  QuantParams output;
  Activation activation;
};

class FullyConnectedS8 {
 public:
  static constexpr size_t kMaxInFeatures = kGemmS8MaxK;
  // Largest weight count (256 MiB of int8), a guard against sizes that cannot be allocated.
  static constexpr size_t kMaxWeights = size_t{1} << 28;

  // From quantized weights: w is [out_features x in_features] int8 in [-127, 127], weight_scales
  // has out_features entries, bias (may be null) out_features int32 values with scale input.scale *
  // weight_scales[c].
  static Status create(const FullyConnectedParams& params, const int8_t* w,
                       const float* weight_scales, const int32_t* bias,
                       std::unique_ptr<FullyConnectedS8>* out);

  // From float weights and bias (bias may be null): quantizes weights per output channel
  // (symmetric) and the bias to int32, then as create().
  static Status create_from_float(const FullyConnectedParams& params, const float* w,
                                  const float* bias, std::unique_ptr<FullyConnectedS8>* out);

  // y[batch x out_features] from x[batch x in_features]. Lengths are checked against batch.
  Status run(const int8_t* x, size_t x_len, size_t batch, int8_t* y, size_t y_len) const;

  const FullyConnectedParams& params() const { return params_; }
  const std::vector<float>& weight_scales() const { return weight_scales_; }
  int8_t qmin() const { return output_.qmin; }
  int8_t qmax() const { return output_.qmax; }

 private:
  FullyConnectedS8() = default;
  FullyConnectedParams params_;
  std::vector<float> weight_scales_;
  PackedGemmS8 packed_;
  GemmS8Output output_;
};

}  // namespace wi8
