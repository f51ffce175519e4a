#include "kernels/gemm/gemm_f32.h"

namespace wi8 {

void gemm_f32_reference(size_t M, size_t N, size_t K, const float* x, size_t x_stride,
                        const float* w, const float* bias, float out_min, float out_max, float* y,
                        size_t y_stride) {
  for (size_t m = 0; m < M; ++m) {
    for (size_t n = 0; n < N; ++n) {
      float acc = bias ? bias[n] : 0.0f;
      for (size_t k = 0; k < K; ++k) acc += x[m * x_stride + k] * w[n * K + k];
      acc = acc < out_min ? out_min : acc;
      y[m * y_stride + n] = acc > out_max ? out_max : acc;
    }
  }
}

PackedGemmF32 pack_gemm_f32(size_t N, size_t K, const float* w, const float* bias, size_t nr) {
  PackedGemmF32 p;
  p.n = N;
  p.k = K;
  p.nr = nr;
  const size_t blocks = (N + nr - 1) / nr;
  p.data.assign(blocks * p.block_size(), 0.0f);
  for (size_t b = 0; b < blocks; ++b) {
    float* dst = p.data.data() + b * p.block_size();
    for (size_t j = 0; j < nr && b * nr + j < N; ++j) {
      const size_t n = b * nr + j;
      dst[j] = bias ? bias[n] : 0.0f;
      for (size_t k = 0; k < K; ++k) dst[(k + 1) * nr + j] = w[n * K + k];
    }
  }
  return p;
}

}  // namespace wi8
