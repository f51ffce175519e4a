// FullyConnected, fp32: y = clamp(x * W^T + b, activation), the fp32 counterpart of
// FullyConnectedS8 (ops/fully_connected.h). Weights are packed once at creation for the GEMM
// microkernel choose_gemm_f32() picks for out_features.
#pragma once

#include <cstddef>
#include <memory>

#include "core/status.h"
#include "kernels/gemm/gemm_f32.h"
#include "quant/quant.h"

namespace wi8 {

struct FullyConnectedF32Params {
  size_t in_features = 0;
  size_t out_features = 0;
  Activation activation;  // clamp bounds
};

class FullyConnectedF32 {
 public:
  // Largest weight count (256 MiB of fp32), a guard against sizes that cannot be allocated.
  static constexpr size_t kMaxWeights = size_t{1} << 26;

  // w: [out_features x in_features]; bias: out_features values or null.
  static Status create(const FullyConnectedF32Params& params, const float* w, const float* bias,
                       std::unique_ptr<FullyConnectedF32>* out);

  // y[batch x out_features] from x[batch x in_features]. Lengths are checked against batch.
  Status run(const float* x, size_t x_len, size_t batch, float* y, size_t y_len) const;

  const FullyConnectedF32Params& params() const { return params_; }

 private:
  FullyConnectedF32() = default;
  FullyConnectedF32Params params_;
  GemmF32Fn gemm_ = nullptr;
  PackedGemmF32 packed_;
};

}  // namespace wi8
