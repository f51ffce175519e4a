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

// Weights packed once at load for the microkernels, in blocks of nr output channels and kr k:
// for each block of nr channels, for each block of kr k: nr x kr values (channel-major), zero
// padded. K is padded to kKPad in every layout (the kernels read x in 8-value loads).
// Two layouts:
// - "4c8" (nr 4, kr 8): one i32x4.dot_i16x8_s sums 8 k of one channel; a tile's 4 partial-sum
//   vectors per row are reduced across lanes at the end. Best for large K.
// - "8c2" (nr 8, kr 2): one dot sums 2 k of 4 channels, with the row's 2 inputs broadcast; the
//   accumulators already hold one channel per lane, so no reduction. Best for small K (the
//   pointwise expansions of MobileNetV2, K = 16-32).
// Stored widened to int16: i32x4.dot_i16x8_s takes int16 operands, and widening once at load saves
// the kernel 6 of its 26 instructions per block (measured: bench/kernels_bench.cc).
struct PackedGemmS8 {
  static constexpr size_t kKPad = 8;
  size_t n = 0;
  size_t k = 0;
  size_t nr = 4;
  size_t kr = 8;
  std::vector<int16_t> weights;     // round_up(n, nr) * round_up(k, kKPad)
  std::vector<int32_t> bias;        // round_up(n, nr): bias - x_zero_point * sum_k w
  std::vector<int32_t> multiplier;  // round_up(n, nr), padding channels 0
  std::vector<int32_t> requant;     // bias and multiplier as simd::requantize4_quad() records
};

// The packing the ops use: 8c2 for K <= kGemmS8SmallK, else 4c8. bench/kernels_bench.cc, min of
// 5 runs, 2x8c2 against 2x4c8: K = 9 (784x16) 0.012 / 0.015 ms, K = 16 (12544x96) 1.33 / 1.57 ms,
// K = 24 (3136x144) 0.62 / 0.66 ms, K = 27 (12544x32) 0.61 / 0.66 ms, K = 32 level; from K = 48
// 4c8 is faster (by 1.2-1.7x at K = 144-1024).
constexpr size_t kGemmS8SmallK = 32;
PackedGemmS8 pack_gemm_s8(size_t N, size_t K, const int8_t* w, const int32_t* bias,
                          int32_t x_zero_point, const int32_t* multiplier);

PackedGemmS8 pack_gemm_s8_4c8(size_t N, size_t K, const int8_t* w, const int32_t* bias,
                              int32_t x_zero_point, const int32_t* multiplier);
PackedGemmS8 pack_gemm_s8_8c2(size_t N, size_t K, const int8_t* w, const int32_t* bias,
                              int32_t x_zero_point, const int32_t* multiplier);

// 4c8 microkernels: MR rows x 4 channels per tile (MR = 2, 3, 4), k in blocks of 8,
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
// The ops' GEMM: the 2-row microkernel of the layout `w` was packed in (2x4c8 or 2x8c2).
void gemm_s8_packed(size_t M, const int8_t* x, size_t x_stride, const PackedGemmS8& w,
                    const GemmS8Output& out, int8_t* y, size_t y_stride, bool x_padded = false);

// MR rows x 8 channels on the 8c2 layout (MR = 2, 4): per pair of k, the pair of each row is
// broadcast (one 32-bit shuffle) and dotted with two weight vectors.
void gemm_s8_2x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded = false);
void gemm_s8_4x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded = false);

}  // namespace wi8
