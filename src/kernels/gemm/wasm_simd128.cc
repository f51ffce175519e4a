#include <cstring>

#include "kernels/gemm/gemm_s8.h"
#include "kernels/simd_requant.h"
#include "quant/quant.h"

namespace wi8 {

#if defined(__wasm_simd128__)

namespace {

// The MR input and output rows of the tile starting at row m; rows past M (the last tile)
// repeat the tile's first row: they are computed and not stored. Returns the real row count.
template <size_t MR>
size_t tile_rows(size_t M, size_t m, const int8_t* x, size_t x_stride, int8_t* y, size_t y_stride,
                 const int8_t** a, int8_t** yr) {
  for (size_t r = 0; r < MR; ++r) {
    const size_t row = m + r < M ? m + r : m;
    a[r] = x + row * x_stride;
    yr[r] = y + row * y_stride;
  }
  return M - m < MR ? M - m : MR;
}

// n < 8 int8 values, zero padded and widened to int16 (a K tail, without reading past it).
inline v128_t load_tail(const int8_t* p, size_t n) {
  int8_t t[8] = {0};
  std::memcpy(t, p, n);
  return wasm_i16x8_load8x8(t);
}

// The widened rows live on the stack: the kernels run inside parallel_for chunks, which must not
// allocate (core/parallel.h). Up to this K a tile's rows are widened whole (16 KB for 4 rows);
// longer rows go in pieces (gemm_2x8c2_long_k).
constexpr size_t kWidenedK = 2048;

// Rows a[0..MR) at k in [k0, k1) (multiples of 8) widened to int16 into xw (rows `stride` apart,
// k0 at index 0), zero padded past K (padded rows are read as they are: the padded weights are 0).
template <size_t MR>
__attribute__((always_inline)) inline void widen_rows(const int8_t* const* a, size_t k0, size_t k1,
                                                      size_t K, bool x_padded, int16_t* xw,
                                                      size_t stride) {
  const size_t k_main = K / 8 * 8;
  const size_t main_end = k1 < k_main ? k1 : k_main;
  for (size_t r = 0; r < MR; ++r) {
    int16_t* row = xw + r * stride;
    for (size_t k = k0; k < main_end; k += 8) {
      wasm_v128_store(row + (k - k0), wasm_i16x8_load8x8(a[r] + k));
    }
    if (k_main < K && k_main >= k0 && k_main < k1) {
      wasm_v128_store(row + (k_main - k0), x_padded ? wasm_i16x8_load8x8(a[r] + k_main)
                                                    : load_tail(a[r] + k_main, K - k_main));
    }
  }
}

// Requantizes and stores channels n..n+7 of the tile's rows. Stores go last row first, so a
// duplicated (past-M) row never overwrites a real one. The loop has a constant trip count so that
// it unrolls and acc[][] keeps constant indices: with a variable bound (r from rows down), clang
// kept acc in linear memory and stored every accumulator after each pair of k.
template <size_t MR>
__attribute__((always_inline)) inline void store_tile(const v128_t (&acc)[MR][2], size_t rows,
                                                      int8_t* const* yr, size_t n, size_t N,
                                                      const int32_t* mult,
                                                      const simd::RequantConsts& rq) {
  for (size_t i = 0; i < MR; ++i) {
    const size_t r = MR - 1 - i;
    if (r >= rows) continue;
    const v128_t v8 =
        simd::narrow_to_int8(simd::requantize4(acc[r][0], wasm_v128_load(mult), rq),
                             simd::requantize4(acc[r][1], wasm_v128_load(mult + 4), rq), rq);
    if (n + 8 <= N) {
      wasm_v128_store64_lane(yr[r] + n, v8, 0);
    } else {
      int8_t bytes[16];
      wasm_v128_store(bytes, v8);
      for (size_t j = 0; j < N - n; ++j) yr[r][n + j] = bytes[j];
    }
  }
}

// K longer than kWidenedK (FC layers with more inputs: rare): 2-row tiles, the rows widened in
// pieces of kWidenedK again for every block of 8 channels. Its pair loop repeats gemm_mr_x8c2's
// on purpose: as a shared always_inline helper taking acc by reference, clang kept acc in linear
// memory and the small-K GEMMs ran 1.3-1.6x slower (kernel bench, 12544x96x16 0.90 -> 1.43 ms).
void gemm_2x8c2_long_k(size_t M, const int8_t* x, size_t x_stride, const PackedGemmS8& w,
                       const GemmS8Output& out, int8_t* y, size_t y_stride, bool x_padded,
                       size_t n_begin, size_t N) {
  constexpr size_t MR = 2;
  const size_t K = w.k;
  const size_t k_padded = (K + 7) / 8 * 8;
  const simd::RequantConsts rq(out.shift, out.zero_point, out.qmin, out.qmax);
  alignas(16) int16_t xw[MR * kWidenedK];
  const size_t block_stride = k_padded * PackedGemmS8::kNr;  // the weights of 8 channels
  const int16_t* const first_block = w.weights.data() + n_begin / PackedGemmS8::kNr * block_stride;
  for (size_t m = 0; m < M; m += MR) {
    const int8_t* a[MR];
    int8_t* yr[MR];
    const size_t rows = tile_rows<MR>(M, m, x, x_stride, y, y_stride, a, yr);
    const int16_t* pw = first_block;
    for (size_t n = n_begin; n < N; n += 8, pw += block_stride) {
      const v128_t b0 = wasm_v128_load(w.bias.data() + n),
                   b1 = wasm_v128_load(w.bias.data() + n + 4);
      v128_t acc[MR][2] = {{b0, b1}, {b0, b1}};  // the sums start at the bias
      for (size_t k0 = 0; k0 < k_padded; k0 += kWidenedK) {
        const size_t k1 = k0 + kWidenedK < k_padded ? k0 + kWidenedK : k_padded;
        widen_rows<MR>(a, k0, k1, K, x_padded, xw, kWidenedK);
        const size_t piece_pairs = ((k1 < K ? k1 : K) - k0 + 1) / 2;
        const int16_t* pp = pw + k0 * PackedGemmS8::kNr;  // pair k0 / 2, 16 values a pair
        for (size_t q = 0; q < piece_pairs; ++q, pp += 16) {
          const v128_t vb0 = wasm_v128_load(pp);
          const v128_t vb1 = wasm_v128_load(pp + 8);
          for (size_t r = 0; r < MR; ++r) {
            const v128_t vp = wasm_v128_load32_splat(xw + r * kWidenedK + 2 * q);
            acc[r][0] = wasm_i32x4_add(acc[r][0], wasm_i32x4_dot_i16x8(vp, vb0));
            acc[r][1] = wasm_i32x4_add(acc[r][1], wasm_i32x4_dot_i16x8(vp, vb1));
          }
        }
      }
      store_tile<MR>(acc, rows, yr, n, N, w.multiplier.data() + n, rq);
    }
  }
}

// MR rows x 8 channels on the 8c2 layout. acc[r][h] holds channels 4h..4h+3 of row r, one per
// lane; per pair of k, the row's pair (two int16 in one 32-bit lane) is dotted with the pair's two
// weight vectors. The tile's MR input rows are widened to int16 once, into `xw`, and every pair is
// read back from there already broadcast (v128.load32_splat: a load, no shuffle) for all N / 8
// channel blocks. Against widening each block of 8 k per channel block and broadcasting each pair
// with a shuffle, that took 8-25 % off K = 16-64 and 40 % off K >= 384 (bench/kernels_bench.cc,
// min of 3 alternating runs: 12544x96x16 1.07 -> 0.93 ms, 784x192x32 0.21 -> 0.16 ms,
// 256x1024x1024 10.9 -> 6.7 ms).
// Unrolling the pair loop by 4 (clang then hoists the loads) made it twice as slow.
template <size_t MR>
void gemm_mr_x8c2(size_t M, const int8_t* x, size_t x_stride, const PackedGemmS8& w,
                  const GemmS8Output& out, int8_t* y, size_t y_stride, bool x_padded,
                  size_t n_begin, size_t n_end) {
  const size_t N = n_end < w.n ? n_end : w.n, K = w.k;
  const size_t k_padded = (K + 7) / 8 * 8;
  if (k_padded > kWidenedK) {
    gemm_2x8c2_long_k(M, x, x_stride, w, out, y, y_stride, x_padded, n_begin, N);
    return;
  }
  const size_t pairs = (K + 1) / 2;
  const size_t block_stride = k_padded * PackedGemmS8::kNr;  // the weights of 8 channels
  const simd::RequantConsts rq(out.shift, out.zero_point, out.qmin, out.qmax);
  alignas(16) int16_t xw[MR * kWidenedK];

  for (size_t m = 0; m < M; m += MR) {
    const int8_t* a[MR];
    int8_t* yr[MR];
    const size_t rows = tile_rows<MR>(M, m, x, x_stride, y, y_stride, a, yr);
    widen_rows<MR>(a, 0, k_padded, K, x_padded, xw, k_padded);

    const int16_t* pw = w.weights.data() + n_begin / PackedGemmS8::kNr * block_stride;
    for (size_t n = n_begin; n < N; n += 8, pw += block_stride) {
      v128_t acc[MR][2];
      // The sums start at the bias.
      const v128_t b0 = wasm_v128_load(w.bias.data() + n),
                   b1 = wasm_v128_load(w.bias.data() + n + 4);
      for (size_t r = 0; r < MR; ++r) {
        acc[r][0] = b0;
        acc[r][1] = b1;
      }
      // Only the K tail's own pairs: the stems' K = 9 and 27 do 5 and 14 pairs, not 8 and 16.
      const int16_t* pp = pw;
      for (size_t p = 0; p < pairs; ++p, pp += 16) {
        const v128_t vb0 = wasm_v128_load(pp);
        const v128_t vb1 = wasm_v128_load(pp + 8);
        for (size_t r = 0; r < MR; ++r) {
          const v128_t vp = wasm_v128_load32_splat(xw + r * k_padded + 2 * p);
          acc[r][0] = wasm_i32x4_add(acc[r][0], wasm_i32x4_dot_i16x8(vp, vb0));
          acc[r][1] = wasm_i32x4_add(acc[r][1], wasm_i32x4_dot_i16x8(vp, vb1));
        }
      }
      store_tile<MR>(acc, rows, yr, n, N, w.multiplier.data() + n, rq);
    }
  }
}

}  // namespace

void gemm_s8_2x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded, size_t n_begin, size_t n_end) {
  gemm_mr_x8c2<2>(M, x, x_stride, w, out, y, y_stride, x_padded, n_begin, n_end);
}
void gemm_s8_4x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded, size_t n_begin, size_t n_end) {
  gemm_mr_x8c2<4>(M, x, x_stride, w, out, y, y_stride, x_padded, n_begin, n_end);
}

#else  // Native builds: a scalar loop over the same packed layout (tests the packing natively).

namespace {
void gemm_scalar_packed(size_t M, const int8_t* x, size_t x_stride, const PackedGemmS8& w,
                        const GemmS8Output& out, int8_t* y, size_t y_stride, size_t n_begin,
                        size_t n_end) {
  constexpr size_t NR = PackedGemmS8::kNr, KR = PackedGemmS8::kKr;
  const size_t k_padded =
      (w.k + PackedGemmS8::kKPad - 1) / PackedGemmS8::kKPad * PackedGemmS8::kKPad;
  for (size_t m = 0; m < M; ++m) {
    const int8_t* a = x + m * x_stride;
    for (size_t n = n_begin; n < n_end && n < w.n; ++n) {
      const int16_t* block = w.weights.data() + n / NR * NR * k_padded;
      uint32_t acc = static_cast<uint32_t>(w.bias[n]);
      for (size_t k = 0; k < w.k; ++k) {
        const int16_t wv = block[(k / KR) * NR * KR + (n % NR) * KR + k % KR];
        acc += static_cast<uint32_t>(static_cast<int32_t>(a[k]) * wv);
      }
      y[m * y_stride + n] = requantize_to_int8(static_cast<int32_t>(acc), w.multiplier[n],
                                               out.shift, out.zero_point, out.qmin, out.qmax);
    }
  }
}
}  // namespace

void gemm_s8_2x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool, size_t n_begin, size_t n_end) {
  gemm_scalar_packed(M, x, x_stride, w, out, y, y_stride, n_begin, n_end);
}
void gemm_s8_4x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool, size_t n_begin, size_t n_end) {
  gemm_scalar_packed(M, x, x_stride, w, out, y, y_stride, n_begin, n_end);
}

#endif

}  // namespace wi8
