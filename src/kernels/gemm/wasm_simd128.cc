#include <cstring>
#include <type_traits>

#include "kernels/gemm/gemm_s8.h"
#include "kernels/simd_requant.h"
#include "quant/quant.h"

namespace wi8 {

#if defined(__wasm_simd128__)

namespace {

// [sum(a), sum(b), sum(c), sum(d)] from four i32x4 partial sums.
inline v128_t reduce4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab =
      wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd =
      wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5),
                        wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

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

// MR rows x 4 channels, K in blocks of 8. acc[r][j] holds 4 partial sums of row r, channel j; the
// 4 weight vectors of a block are shared by the MR rows. Loops over r and j have constant bounds
// and unroll, so the accumulators live in registers.
template <size_t MR>
void gemm_mr_x4c8(size_t M, const int8_t* x, size_t x_stride, const PackedGemmS8& w,
                  const GemmS8Output& out, int8_t* y, size_t y_stride, bool x_padded) {
  const size_t N = w.n, K = w.k;
  const size_t k_main = x_padded ? (K + 7) / 8 * 8 : K / 8 * 8;
  const simd::RequantConsts rq(out.shift, out.zero_point, out.qmin, out.qmax);

  for (size_t m = 0; m < M; m += MR) {
    const int8_t* a[MR];
    int8_t* yr[MR];
    const size_t rows = tile_rows<MR>(M, m, x, x_stride, y, y_stride, a, yr);

    const int16_t* pw = w.weights.data();
    for (size_t n = 0; n < N; n += 4) {
      v128_t acc[MR][4];
      for (size_t r = 0; r < MR; ++r) {
        for (size_t j = 0; j < 4; ++j) acc[r][j] = wasm_i32x4_splat(0);
      }
      auto block = [&](const v128_t* va) {
        const v128_t vb0 = wasm_v128_load(pw);
        const v128_t vb1 = wasm_v128_load(pw + 8);
        const v128_t vb2 = wasm_v128_load(pw + 16);
        const v128_t vb3 = wasm_v128_load(pw + 24);
        pw += 32;
        for (size_t r = 0; r < MR; ++r) {
          acc[r][0] = wasm_i32x4_add(acc[r][0], wasm_i32x4_dot_i16x8(va[r], vb0));
          acc[r][1] = wasm_i32x4_add(acc[r][1], wasm_i32x4_dot_i16x8(va[r], vb1));
          acc[r][2] = wasm_i32x4_add(acc[r][2], wasm_i32x4_dot_i16x8(va[r], vb2));
          acc[r][3] = wasm_i32x4_add(acc[r][3], wasm_i32x4_dot_i16x8(va[r], vb3));
        }
      };
      for (size_t k = 0; k < k_main; k += 8) {
        v128_t va[MR];
        for (size_t r = 0; r < MR; ++r) va[r] = wasm_i16x8_load8x8(a[r] + k);
        block(va);
      }
      if (k_main < K) {  // K tail: copy the last K % 8 inputs; the padded weights there are 0
        v128_t va[MR];
        for (size_t r = 0; r < MR; ++r) va[r] = load_tail(a[r] + k_main, K - k_main);
        block(va);
      }
      const int32_t* quad = w.requant.data() + n * 4;
      v128_t res[MR];
      for (size_t r = 0; r < MR; ++r) {
        res[r] =
            simd::requantize4_quad(reduce4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]), quad, rq);
      }
      // Rows in pairs: bytes 0..3 of the narrowed vector are the first row's 4 channels, 4..7 the
      // second's. Stores go last row first, so a duplicated (past-M) row never overwrites a real
      // one.
      for (size_t r = 0; r < MR; r += 2) {
        const v128_t v8 = simd::narrow_to_int8(res[r], res[r + 1 < MR ? r + 1 : r], rq);
        const bool second = r + 1 < MR && r + 1 < rows;
        if (r >= rows) break;
        if (n + 4 <= N) {
          if (second) wasm_v128_store32_lane(yr[r + 1] + n, v8, 1);
          wasm_v128_store32_lane(yr[r] + n, v8, 0);
        } else {
          int8_t bytes[16];
          wasm_v128_store(bytes, v8);
          for (size_t j = 0; j < N - n; ++j) {
            if (second) yr[r + 1][n + j] = bytes[4 + j];
            yr[r][n + j] = bytes[j];
          }
        }
      }
    }
  }
}

// MR rows x 8 channels on the 8c2 layout. acc[r][h] holds channels 4h..4h+3 of row r, one per
// lane; per pair of k, the row's pair (two int16 in one 32-bit lane) is broadcast with one shuffle
// and dotted with the pair's two weight vectors. 2 * MR accumulators + 2 weights + 1 broadcast stay
// within x86's 16 vector registers at MR = 4 (the 4x4c8 tile's 16 accumulators do not).
template <size_t MR>
void gemm_mr_x8c2(size_t M, const int8_t* x, size_t x_stride, const PackedGemmS8& w,
                  const GemmS8Output& out, int8_t* y, size_t y_stride, bool x_padded) {
  const size_t N = w.n, K = w.k;
  const size_t k_main = K / 8 * 8;
  // The K tail (K % 8 inputs) takes only its own pairs of k: the stems' K = 9 and 27 do 5 and 14
  // pairs instead of 8 and 16.
  const size_t tail_pairs = (K - k_main + 1) / 2;
  const simd::RequantConsts rq(out.shift, out.zero_point, out.qmin, out.qmax);

  for (size_t m = 0; m < M; m += MR) {
    const int8_t* a[MR];
    int8_t* yr[MR];
    const size_t rows = tile_rows<MR>(M, m, x, x_stride, y, y_stride, a, yr);

    const int16_t* pw = w.weights.data();
    for (size_t n = 0; n < N; n += 8) {
      v128_t acc[MR][2];
      for (size_t r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = wasm_i32x4_splat(0);
      auto pair = [&](const v128_t* va, auto p) {
        constexpr int kP = decltype(p)::value;
        const v128_t vb0 = wasm_v128_load(pw);
        const v128_t vb1 = wasm_v128_load(pw + 8);
        pw += 16;
        for (size_t r = 0; r < MR; ++r) {
          const v128_t vp = wasm_i32x4_shuffle(va[r], va[r], kP, kP, kP, kP);
          acc[r][0] = wasm_i32x4_add(acc[r][0], wasm_i32x4_dot_i16x8(vp, vb0));
          acc[r][1] = wasm_i32x4_add(acc[r][1], wasm_i32x4_dot_i16x8(vp, vb1));
        }
      };
      auto block = [&](const v128_t* va) {
        pair(va, std::integral_constant<int, 0>());
        pair(va, std::integral_constant<int, 1>());
        pair(va, std::integral_constant<int, 2>());
        pair(va, std::integral_constant<int, 3>());
      };
      for (size_t k = 0; k < k_main; k += 8) {
        v128_t va[MR];
        for (size_t r = 0; r < MR; ++r) va[r] = wasm_i16x8_load8x8(a[r] + k);
        block(va);
      }
      if (tail_pairs) {
        // Padded rows are read as they are; otherwise the last K % 8 inputs are copied. The
        // padded weights are 0, so the odd k of a last pair multiplies whatever is there by 0.
        v128_t va[MR];
        for (size_t r = 0; r < MR; ++r) {
          va[r] =
              x_padded ? wasm_i16x8_load8x8(a[r] + k_main) : load_tail(a[r] + k_main, K - k_main);
        }
        const int16_t* next = pw + 4 * 16;  // the block's 4 pairs of 8 channels
        pair(va, std::integral_constant<int, 0>());
        if (tail_pairs > 1) pair(va, std::integral_constant<int, 1>());
        if (tail_pairs > 2) pair(va, std::integral_constant<int, 2>());
        if (tail_pairs > 3) pair(va, std::integral_constant<int, 3>());
        pw = next;
      }
      const int32_t* quad = w.requant.data() + n * 4;
      // Stores go last row first, so a duplicated (past-M) row never overwrites a real one. The
      // loop has a constant trip count so that it unrolls and acc[][] keeps constant indices: with
      // a variable bound (r from rows down), clang kept acc in linear memory and stored every
      // accumulator after each block of 8 k.
      for (size_t i = 0; i < MR; ++i) {
        const size_t r = MR - 1 - i;
        if (r >= rows) continue;
        const v128_t v8 = simd::narrow_to_int8(
            simd::requantize4_quad(acc[r][0], quad, rq),
            simd::requantize4_quad(acc[r][1], quad + simd::kRequantQuad, rq), rq);
        if (n + 8 <= N) {
          wasm_v128_store64_lane(yr[r] + n, v8, 0);
        } else {
          int8_t bytes[16];
          wasm_v128_store(bytes, v8);
          for (size_t j = 0; j < N - n; ++j) yr[r][n + j] = bytes[j];
        }
      }
    }
  }
}

}  // namespace

void gemm_s8_2x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded) {
  gemm_mr_x4c8<2>(M, x, x_stride, w, out, y, y_stride, x_padded);
}
void gemm_s8_3x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded) {
  gemm_mr_x4c8<3>(M, x, x_stride, w, out, y, y_stride, x_padded);
}
void gemm_s8_4x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded) {
  gemm_mr_x4c8<4>(M, x, x_stride, w, out, y, y_stride, x_padded);
}
void gemm_s8_2x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded) {
  gemm_mr_x8c2<2>(M, x, x_stride, w, out, y, y_stride, x_padded);
}
void gemm_s8_4x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool x_padded) {
  gemm_mr_x8c2<4>(M, x, x_stride, w, out, y, y_stride, x_padded);
}

#else  // Native builds: a scalar loop over the same packed layout (tests the packing natively).

namespace {
void gemm_scalar_packed(size_t M, const int8_t* x, size_t x_stride, const PackedGemmS8& w,
                        const GemmS8Output& out, int8_t* y, size_t y_stride) {
  const size_t NR = w.nr, KR = w.kr;
  const size_t k_padded =
      (w.k + PackedGemmS8::kKPad - 1) / PackedGemmS8::kKPad * PackedGemmS8::kKPad;
  for (size_t m = 0; m < M; ++m) {
    const int8_t* a = x + m * x_stride;
    for (size_t n = 0; n < w.n; ++n) {
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

void gemm_s8_2x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool) {
  gemm_scalar_packed(M, x, x_stride, w, out, y, y_stride);
}
void gemm_s8_3x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool) {
  gemm_scalar_packed(M, x, x_stride, w, out, y, y_stride);
}
void gemm_s8_4x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool) {
  gemm_scalar_packed(M, x, x_stride, w, out, y, y_stride);
}
void gemm_s8_2x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool) {
  gemm_scalar_packed(M, x, x_stride, w, out, y, y_stride);
}
void gemm_s8_4x8c2__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride, bool) {
  gemm_scalar_packed(M, x, x_stride, w, out, y, y_stride);
}

#endif

}  // namespace wi8
