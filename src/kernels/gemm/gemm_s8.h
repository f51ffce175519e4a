// int8 GEMM for fully-connected layers (and, later, convolutions through im2col / indirection).
//
//   y[m][n] = requantize_to_int8(bias[n] + sum_k (x[m][k] - x_zero_point) * w[n][k])
//
// x: M x K int8 rows (asymmetric, x_zero_point), w: N x K int8 (symmetric per output channel),
// bias: int32 (may be null), requantization: one multiplier per output channel and one shift
// (quant/quant.h). The int32 sums wrap modulo 2^32 exactly as the SIMD i32 adds do.
//
// The reference works on the plain [N][K] weights. The microkernels work on weights packed once at
// load (pack_gemm_s8), with -x_zero_point * sum_k w[n][k] folded into the bias.
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

// Weights packed once at load for the microkernels ("8c2" layout): for each block of 8 output
// channels, for each pair of k, the pair's 2 weights of each of the 8 channels (channel-major),
// zero padded; K is padded to kKPad. One i32x4.dot_i16x8_s then sums 2 k of 4 channels, with
// the row's pair of inputs broadcast; the accumulators hold one channel per lane, so there is no
// cross-lane reduction at the end.
// Stored widened to int16: i32x4.dot_i16x8_s takes int16 operands, and widening once at load
// keeps the sign extensions out of the inner loop.
//
// History (bench/kernels_bench.cc; bench/README.md has the numbers): until the seventh session a
// "4c8" layout (4 channels x 8 k per dot, reduced across lanes at the end) served K > 32. Once
// the 8c2 kernels widened each tile's rows once and loaded the pairs as splats, 8c2 was as fast
// or faster at every K measured (9-1024), so 4c8 was removed.
struct PackedGemmS8 {
  static constexpr size_t kKPad = 8;
  static constexpr size_t kNr = 8;  // channels per block
  static constexpr size_t kKr = 2;  // k per dot lane
  size_t n = 0;
  size_t k = 0;
  std::vector<int16_t> weights;     // round_up(n, kNr) * round_up(k, kKPad)
  std::vector<int32_t> bias;        // round_up(n, kNr): bias - x_zero_point * sum_k w
  std::vector<int32_t> multiplier;  // round_up(n, kNr), padding channels 0
};

PackedGemmS8 pack_gemm_s8(size_t N, size_t K, const int8_t* w, const int32_t* bias,
                          int32_t x_zero_point, const int32_t* multiplier);

// Microkernels: MR rows x 8 channels per tile (MR = 2, 4). The tile's MR input rows are
// widened to int16 once, on the stack (no allocation: the kernels run in parallel_for chunks; K
// past 2048 is widened in pieces, in 2-row tiles), and each pair of k is read back as a splat
// (v128.load32_splat) for every block of 8 channels. out.multiplier is ignored:
// the packed multipliers are used. Rows past M in the last tile repeat its first row; they are
// computed and not stored.
// x_padded: every row of x may be read up to round_up(K, 8) (the values there are ignored: the
// padded weights are 0), which spares the kernel the K-tail copy; im2col rows are laid out so.
// [n_begin, n_end): the output channels computed (n_begin a multiple of kNr; n_end is clamped to
// N), for a thread split by channel blocks (ops/gemm_split.h); y still points at channel 0.
// Native builds run a scalar loop over the same packed layout.
constexpr size_t kGemmAllChannels = ~size_t{0};
void gemm_s8_2x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded = false, size_t n_begin = 0,
                                     size_t n_end = kGemmAllChannels);
void gemm_s8_4x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded = false, size_t n_begin = 0,
                                     size_t n_end = kGemmAllChannels);

// From K = kGemmS8DeepK the ops' GEMM runs 4-row tiles (bench/kernels_bench.cc, min of 3 runs,
// 4x8c2 against 2x8c2, after the requantization lost its pshufb: K = 32 0.215 / 0.223 ms
// (12544x16), K = 64 0.239 / 0.247 (784x192), K = 144 0.257 / 0.270, K = 576 2.62 / 2.80,
// K = 1024 5.80 / 6.46; level at K = 16-24; K = 27 (the stem) 0.391 / 0.379).
constexpr size_t kGemmS8DeepK = 32;

// The ops' GEMM: 4-row tiles when K >= kGemmS8DeepK, else 2-row tiles; the rows that do not fill
// a 4-row tile go through the 2-row kernel. (A 1-row kernel would save half a tile on a single row,
// 0.009 ms on a 1x1280x1000 FullyConnected, for 2.5 KB of wasm: not kept.)
void gemm_s8_packed(size_t M, const int8_t* x, size_t x_stride, const PackedGemmS8& w,
                    const GemmS8Output& out, int8_t* y, size_t y_stride, bool x_padded = false,
                    size_t n_begin = 0, size_t n_end = kGemmAllChannels);

}  // namespace wi8
