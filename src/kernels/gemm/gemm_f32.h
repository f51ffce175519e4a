// fp32 GEMM for fully-connected layers and convolutions (pointwise, im2col):
//
//   y[m][n] = clamp(bias[n] + sum_k x[m][k] * w[n][k], out_min, out_max)
//
// x: M x K rows (row stride x_stride), w: N x K, bias may be null, y: M x N (row stride y_stride).
// The clamp is the fused activation (none: +-inf, ReLU: [0, inf], ReLU6: [0, 6]); it keeps NaN
// (v < min ? min : v, then v > max ? max : v), as f32x4.pmax / pmin do with these operand orders.
//
// Every kernel sums in the same order (bias first, then k ascending, each product rounded before
// the add: WebAssembly SIMD128 has no fused multiply-add), so the reference and the microkernels
// agree to the bit; the tests still allow a small relative error so that a future kernel may
// reorder the sum.
//
// The reference works on the plain [N][K] weights. The microkernels use weights packed once at load
// (pack_gemm_f32): per block of NR output channels, NR bias values and then K rows of NR weights.
#pragma once

#include <cstddef>
#include <vector>

namespace wi8 {

void gemm_f32_reference(size_t M, size_t N, size_t K, const float* x, size_t x_stride,
                        const float* w, const float* bias, float out_min, float out_max, float* y,
                        size_t y_stride);

// Weights packed for microkernels with NR output channels per tile ("x8" kernels want nr = 8,
// "x16" kernels nr = 16): for each block of nr channels, nr bias values then K x nr weights
// (k-major, so one k step reads nr consecutive floats). Channels past N are zero.
struct PackedGemmF32 {
  size_t n = 0;
  size_t k = 0;
  size_t nr = 8;
  std::vector<float> data;  // round_up(n, nr) / nr blocks of (k + 1) * nr floats
  size_t block_size() const { return (k + 1) * nr; }
};

PackedGemmF32 pack_gemm_f32(size_t N, size_t K, const float* w, const float* bias, size_t nr);

// Microkernels: MR rows x NR channels per tile, f32x4 mul + add, the clamp fused.
// - "splat" (XNNPACK's wasmsimd design): x is read 4 k at a time, one v128 load per row, and each
//   k is broadcast with a shuffle;
// - "loadsplat": each x value is loaded and broadcast at once with v128.load32_splat (one
//   vbroadcastss from memory on x86), which spares the shuffle port.
// Measured on FC 256x1024x1024 and conv-sized GEMMs (bench/kernels_bench.cc, Node 20, GFLOP/s):
// 4x8 splat 33-36, 5x8 / 6x8 splat 34-36, 4x8 loadsplat 41-47, 3x8 loadsplat 43-52, 2x16
// loadsplat 45-55. 5x8, 6x8 and 3x16 loadsplat spilled in V8 (22-27), and so did loadsplat with
// the k loop unrolled by 4 (4x8: 30).
// Columns are processed in chunks whose packed weights stay in cache, rows in tiles of MR within a
// chunk; the last M % MR rows get a tile of their own height. Channels past N in the last block
// are computed and not stored. x rows are read up to K only.
// Native builds run a scalar loop over the same packed layout.
using GemmF32Fn = void (*)(size_t M, const float* x, size_t x_stride, const PackedGemmF32& w,
                           float out_min, float out_max, float* y, size_t y_stride);

// w packed with nr = 8.
void gemm_f32_4x8__wasmsimd_splat(size_t M, const float* x, size_t x_stride, const PackedGemmF32& w,
                                  float out_min, float out_max, float* y, size_t y_stride);
void gemm_f32_4x8__wasmsimd_loadsplat(size_t M, const float* x, size_t x_stride,
                                      const PackedGemmF32& w, float out_min, float out_max,
                                      float* y, size_t y_stride);
void gemm_f32_3x8__wasmsimd_loadsplat(size_t M, const float* x, size_t x_stride,
                                      const PackedGemmF32& w, float out_min, float out_max,
                                      float* y, size_t y_stride);
// w packed with nr = 16.
void gemm_f32_2x16__wasmsimd_loadsplat(size_t M, const float* x, size_t x_stride,
                                       const PackedGemmF32& w, float out_min, float out_max,
                                       float* y, size_t y_stride);

// The microkernel the ops use for N output channels and the nr to pack its weights with: 2x16
// loadsplat, the fastest measured, unless rounding N up to 16 wastes more than 10% of the work
// (N = 24: 3x8 ran 45-47 GFLOP/s, 2x16 35-36); then 3x8 loadsplat.
struct GemmF32Choice {
  GemmF32Fn fn;
  size_t nr;
};
inline GemmF32Choice choose_gemm_f32(size_t N) {
  const size_t waste = (N + 15) / 16 * 16 - N;
  if (waste * 10 <= N) return {gemm_f32_2x16__wasmsimd_loadsplat, 16};
  return {gemm_f32_3x8__wasmsimd_loadsplat, 8};
}

}  // namespace wi8
