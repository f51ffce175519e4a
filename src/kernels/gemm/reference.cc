#include "kernels/gemm/gemm_s8.h"
#include "quant/quant.h"

namespace wi8 {

void gemm_s8_reference(size_t M, size_t N, size_t K, const int8_t* x, size_t x_stride,
                       int32_t x_zero_point, const int8_t* w, const int32_t* bias,
                       const GemmS8Output& out, int8_t* y, size_t y_stride) {
  for (size_t m = 0; m < M; ++m) {
    for (size_t n = 0; n < N; ++n) {
      // uint32 arithmetic: wraps like the SIMD i32 adds instead of overflowing (undefined for
      // int32).
      uint32_t acc = bias ? static_cast<uint32_t>(bias[n]) : 0u;
      for (size_t k = 0; k < K; ++k) {
        const int32_t a = static_cast<int32_t>(x[m * x_stride + k]) - x_zero_point;
        acc += static_cast<uint32_t>(a * static_cast<int32_t>(w[n * K + k]));
      }
      y[m * y_stride + n] = requantize_to_int8(static_cast<int32_t>(acc), out.multiplier[n],
                                               out.shift, out.zero_point, out.qmin, out.qmax);
    }
  }
}

PackedGemmS8 pack_gemm_s8(size_t N, size_t K, const int8_t* w, const int32_t* bias,
                          int32_t x_zero_point, const int32_t* multiplier) {
  constexpr size_t NR = PackedGemmS8::kNr, KR = PackedGemmS8::kKr;
  PackedGemmS8 p;
  p.n = N;
  p.k = K;
  const size_t n_padded = (N + NR - 1) / NR * NR;
  const size_t k_padded = (K + PackedGemmS8::kKPad - 1) / PackedGemmS8::kKPad * PackedGemmS8::kKPad;
  p.weights.assign(n_padded * k_padded, 0);
  p.bias.assign(n_padded, 0);
  p.multiplier.assign(n_padded, 0);
  for (size_t n = 0; n < N; ++n) {
    uint32_t sum = 0;
    for (size_t k = 0; k < K; ++k) {
      // Block of 8 channels, pair of k, channel in the block, k in the pair; padding stays 0.
      p.weights[n / NR * NR * k_padded + k / KR * NR * KR + n % NR * KR + k % KR] = w[n * K + k];
      sum += static_cast<uint32_t>(static_cast<int32_t>(w[n * K + k]));
    }
    const uint32_t b = bias ? static_cast<uint32_t>(bias[n]) : 0u;
    p.bias[n] = static_cast<int32_t>(b - static_cast<uint32_t>(x_zero_point) * sum);
    p.multiplier[n] = multiplier[n];
  }
  return p;
}

void gemm_s8_packed(size_t M, const int8_t* x, size_t x_stride, const PackedGemmS8& w,
                    const GemmS8Output& out, int8_t* y, size_t y_stride, bool x_padded,
                    size_t n_begin, size_t n_end) {
  const size_t m = w.k >= kGemmS8DeepK ? M / 4 * 4 : 0;
  if (m > 0) {
    gemm_s8_4x8c2__wasmsimd_dot16x2(m, x, x_stride, w, out, y, y_stride, x_padded, n_begin, n_end);
  }
  if (m < M) {
    gemm_s8_2x8c2__wasmsimd_dot16x2(M - m, x + m * x_stride, x_stride, w, out, y + m * y_stride,
                                    y_stride, x_padded, n_begin, n_end);
  }
}

}  // namespace wi8
