// int8 GEMM for fully-connected layers (and, later, convolutions through im2col / indirection).
//
//   y[m][n] = requantize_to_int8(bias[n] + sum_k (x[m][k] - x_zero_point) * w[n][k])
//
// x: M x K int8 rows (asymmetric, x_zero_point), w: N x K int8 (symmetric per output channel),
// bias: int32 (may be null), requantization: one multiplier per output channel and one shift
// (quant/quant.h). The int32 sums wrap modulo 2^32 exactly as the SIMD i32 adds do.
//
// The reference works on the plain [N][K] weights. The microkernels work on weights packed once at
// load (pack_gemm_s8_4c8), with -x_zero_point * sum_k w[n][k] folded into the bias.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wi8 {

// Largest K for which the int32 sum cannot overflow: |x - zero_point| <= 255, |w| <= 127.
constexpr size_t kGemmS8MaxK = 65536;

// Output-side parameters shared by every GEMM variant.
struct GemmS8Output {
  const int32_t* multiplier = nullptr;  // [N]
  int shift = 31;
  int32_t zero_point = 0;
  int8_t qmin = -128;  // fused activation clamp
  int8_t qmax = 127;
};

void gemm_s8_reference(size_t M, size_t N, size_t K, const int8_t* x, size_t x_stride,
                       int32_t x_zero_point, const int8_t* w, const int32_t* bias,
                       const GemmS8Output& out, int8_t* y, size_t y_stride);

// Weights packed for microkernels with NR = 4 output channels and K blocks of 8 ("4c8"):
// for each block of 4 channels, for each block of 8 k: 4 x 8 values (channel-major), zero padded.
// Stored widened to int16: i32x4.dot_i16x8_s takes int16 operands, and widening once at load saves
// the kernel 6 of its 26 instructions per block (measured: bench/kernels_bench.cc).
struct PackedGemmS8 {
  static constexpr size_t kNR = 4;
  static constexpr size_t kKR = 8;
  size_t n = 0;
  size_t k = 0;
  std::vector<int16_t> weights;     // round_up(n, 4) * round_up(k, 8)
  std::vector<int32_t> bias;        // round_up(n, 4): bias - x_zero_point * sum_k w
  std::vector<int32_t> multiplier;  // round_up(n, 4), padding channels 0
  std::vector<int32_t> requant;     // bias and multiplier as simd::requantize4_quad() records
};

PackedGemmS8 pack_gemm_s8_4c8(size_t N, size_t K, const int8_t* w, const int32_t* bias,
                              int32_t x_zero_point, const int32_t* multiplier);

// Microkernels: MR rows x 4 channels per tile (MR = 2, 3, 4), k in blocks of 8,
// i32x4.dot_i16x8_s (16-bit products summed in pairs). out.multiplier is ignored: the packed
// multipliers are used.
// x_padded: every row of x may be read up to round_up(K, 8) (the values there are ignored: the
// padded weights are 0), which spares the kernel the K-tail copy; im2col rows are laid out so.
// Native builds run a scalar loop over the same packed layout.
void gemm_s8_2x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded = false);
void gemm_s8_3x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded = false);
void gemm_s8_4x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded = false);

}  // namespace wi8
