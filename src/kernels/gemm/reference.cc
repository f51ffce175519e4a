#include "kernels/gemm/gemm_s8.h"
#include "kernels/simd_requant.h"
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

PackedGemmS8 pack_gemm_s8_4c8(size_t N, size_t K, const int8_t* w, const int32_t* bias,
                              int32_t x_zero_point, const int32_t* multiplier) {
  constexpr size_t NR = PackedGemmS8::kNR, KR = PackedGemmS8::kKR;
  PackedGemmS8 p;
  p.n = N;
  p.k = K;
  const size_t n_padded = (N + NR - 1) / NR * NR;
  const size_t k_padded = (K + KR - 1) / KR * KR;
  p.weights.assign(n_padded * k_padded, 0);
  p.bias.assign(n_padded, 0);
  p.multiplier.assign(n_padded, 0);
  int16_t* dst = p.weights.data();
  for (size_t nb = 0; nb < n_padded; nb += NR) {
    for (size_t kb = 0; kb < k_padded; kb += KR) {
      for (size_t j = 0; j < NR; ++j) {
        for (size_t kk = 0; kk < KR; ++kk) {
          const size_t n = nb + j, k = kb + kk;
          *dst++ = (n < N && k < K) ? w[n * K + k] : int16_t{0};
        }
      }
    }
  }
  for (size_t n = 0; n < N; ++n) {
    uint32_t sum = 0;
    for (size_t k = 0; k < K; ++k) sum += static_cast<uint32_t>(static_cast<int32_t>(w[n * K + k]));
    const uint32_t b = bias ? static_cast<uint32_t>(bias[n]) : 0u;
    p.bias[n] = static_cast<int32_t>(b - static_cast<uint32_t>(x_zero_point) * sum);
    p.multiplier[n] = multiplier[n];
  }
  p.requant = pack_requant_quads(p.bias.data(), p.multiplier.data(), n_padded);
  return p;
}

}  // namespace wi8
