#include <cstring>

#include "kernels/gemm/gemm_f32.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace wi8 {

#if defined(__wasm_simd128__)

namespace {

// Packed weights per column chunk (see gemm_driver). 32 KiB measured best or equal-best from
// 32 KiB to 512 KiB on FC 256x1024x1024 and conv 3x3 56x56x64; without chunks 4x8 loadsplat ran
// FC 256x1024x1024 at 41 GFLOP/s instead of 46 (bench/kernels_bench.cc).
constexpr size_t kChunkBytes = 32 * 1024;

template <int L>
inline v128_t broadcast_lane(v128_t v) {
  return wasm_i32x4_shuffle(v, v, L, L, L, L);
}

// acc[r][j] += x(r, k) * w(k, 4j..4j+3) for one k; vx[r] holds x(r, k) in every lane.
template <size_t MR, size_t NV>
inline void k_step(v128_t (&acc)[MR][NV], const v128_t (&vx)[MR], const float* pw) {
  v128_t vw[NV];
  for (size_t j = 0; j < NV; ++j) vw[j] = wasm_v128_load(pw + 4 * j);
  for (size_t r = 0; r < MR; ++r) {
    for (size_t j = 0; j < NV; ++j) {
      acc[r][j] = wasm_f32x4_add(acc[r][j], wasm_f32x4_mul(vx[r], vw[j]));
    }
  }
}

template <int L, size_t MR, size_t NV>
inline void k_step_lane(v128_t (&acc)[MR][NV], const v128_t (&va)[MR], const float* pw) {
  v128_t vx[MR];
  for (size_t r = 0; r < MR; ++r) vx[r] = broadcast_lane<L>(va[r]);
  k_step<MR, NV>(acc, vx, pw);
}

// One MR x NR tile over all of K. a[r]: row r of x; pw: the packed block (bias, then K x NR);
// c[r]: where row r's outputs go; only the first `cols` columns are stored.
//
// The accumulators are indexed with constants only (the partial store goes through a buffer), so
// that they stay in registers. "loadsplat" keeps the k loop at one k per iteration: unrolling it by
// 4 made V8 spill (4x8: 46 -> 30 GFLOP/s).
template <size_t MR, size_t NR, bool kSplat>
inline void tile(size_t K, const float* const* a, const float* pw, v128_t vmin, v128_t vmax,
                 float* const* c, size_t cols) {
  constexpr size_t NV = NR / 4;
  v128_t acc[MR][NV];
  for (size_t j = 0; j < NV; ++j) acc[0][j] = wasm_v128_load(pw + 4 * j);
  for (size_t r = 1; r < MR; ++r) {
    for (size_t j = 0; j < NV; ++j) acc[r][j] = acc[0][j];
  }
  pw += NR;
  size_t k = 0;
  if (kSplat) {
    for (; k + 4 <= K; k += 4) {
      v128_t va[MR];
      for (size_t r = 0; r < MR; ++r) va[r] = wasm_v128_load(a[r] + k);
      k_step_lane<0>(acc, va, pw);
      k_step_lane<1>(acc, va, pw + NR);
      k_step_lane<2>(acc, va, pw + 2 * NR);
      k_step_lane<3>(acc, va, pw + 3 * NR);
      pw += 4 * NR;
    }
  }
  for (; k < K; ++k) {
    v128_t vx[MR];
    for (size_t r = 0; r < MR; ++r) vx[r] = wasm_v128_load32_splat(a[r] + k);
    k_step<MR, NV>(acc, vx, pw);
    pw += NR;
  }
  // pmax(acc, min) = acc < min ? min : acc and pmin(acc, max) = max < acc ? max : acc: one x86
  // maxps / minps each (f32x4.min / max need NaN fix-ups), and NaN passes through like in the
  // reference.
  for (size_t r = 0; r < MR; ++r) {
    for (size_t j = 0; j < NV; ++j) {
      acc[r][j] = wasm_f32x4_pmin(wasm_f32x4_pmax(acc[r][j], vmin), vmax);
    }
  }
  if (cols == NR) {
    for (size_t r = 0; r < MR; ++r) {
      for (size_t j = 0; j < NV; ++j) wasm_v128_store(c[r] + 4 * j, acc[r][j]);
    }
  } else {
    for (size_t r = 0; r < MR; ++r) {
      float buf[NR];
      for (size_t j = 0; j < NV; ++j) wasm_v128_store(buf + 4 * j, acc[r][j]);
      std::memcpy(c[r], buf, cols * sizeof(float));
    }
  }
}

// Rows [m, m + R) against column blocks [b0, b1).
template <size_t R, size_t NR, bool kSplat>
inline void row_tiles(size_t m, size_t b0, size_t b1, const float* x, size_t x_stride,
                      const PackedGemmF32& w, v128_t vmin, v128_t vmax, float* y, size_t y_stride) {
  const float* a[R];
  for (size_t r = 0; r < R; ++r) a[r] = x + (m + r) * x_stride;
  const size_t N = w.n;
  for (size_t b = b0; b < b1; ++b) {
    const size_t n = b * NR;
    float* c[R];
    for (size_t r = 0; r < R; ++r) c[r] = y + (m + r) * y_stride + n;
    tile<R, NR, kSplat>(w.k, a, w.data.data() + b * w.block_size(), vmin, vmax, c,
                        N - n < NR ? N - n : NR);
  }
}

// Columns in chunks of packed weights that stay in cache, rows in tiles of MR within a chunk: a
// tile's MR rows of x are read from L1 for every block of the chunk. The last M % MR rows use a
// tile of exactly that many rows (no duplicated work: FC with batch 1 runs a 1-row tile).
template <size_t MR, size_t NR, bool kSplat>
void gemm_driver(size_t M, const float* x, size_t x_stride, const PackedGemmF32& w, float out_min,
                 float out_max, float* y, size_t y_stride) {
  static_assert(MR >= 1 && MR <= 4, "row remainder dispatch covers MR <= 4");
  const size_t blocks = (w.n + NR - 1) / NR;
  size_t chunk = kChunkBytes / (w.block_size() * sizeof(float));
  if (chunk == 0) chunk = 1;
  const v128_t vmin = wasm_f32x4_splat(out_min);
  const v128_t vmax = wasm_f32x4_splat(out_max);
  const size_t m_main = M / MR * MR;
  for (size_t b0 = 0; b0 < blocks; b0 += chunk) {
    const size_t b1 = b0 + chunk < blocks ? b0 + chunk : blocks;
    for (size_t m = 0; m < m_main; m += MR) {
      row_tiles<MR, NR, kSplat>(m, b0, b1, x, x_stride, w, vmin, vmax, y, y_stride);
    }
    switch (M - m_main) {
      case 3:
        row_tiles<3, NR, kSplat>(m_main, b0, b1, x, x_stride, w, vmin, vmax, y, y_stride);
        break;
      case 2:
        row_tiles<2, NR, kSplat>(m_main, b0, b1, x, x_stride, w, vmin, vmax, y, y_stride);
        break;
      case 1:
        row_tiles<1, NR, kSplat>(m_main, b0, b1, x, x_stride, w, vmin, vmax, y, y_stride);
        break;
      default:
        break;
    }
  }
}

}  // namespace

#define WI8_GEMM_F32_VARIANT(name, MR, NR, SPLAT)                                             \
  void name(size_t M, const float* x, size_t x_stride, const PackedGemmF32& w, float out_min, \
            float out_max, float* y, size_t y_stride) {                                       \
    gemm_driver<MR, NR, SPLAT>(M, x, x_stride, w, out_min, out_max, y, y_stride);             \
  }

#else  // Native builds: a scalar loop over the same packed layout (tests the packing natively).

namespace {
void gemm_scalar_packed(size_t M, const float* x, size_t x_stride, const PackedGemmF32& w,
                        float out_min, float out_max, float* y, size_t y_stride) {
  const size_t nr = w.nr;
  for (size_t m = 0; m < M; ++m) {
    const float* a = x + m * x_stride;
    for (size_t n = 0; n < w.n; ++n) {
      const float* block = w.data.data() + n / nr * w.block_size() + n % nr;
      float acc = block[0];
      for (size_t k = 0; k < w.k; ++k) acc += a[k] * block[(k + 1) * nr];
      acc = acc < out_min ? out_min : acc;
      y[m * y_stride + n] = acc > out_max ? out_max : acc;
    }
  }
}
}  // namespace

#define WI8_GEMM_F32_VARIANT(name, MR, NR, SPLAT)                                             \
  void name(size_t M, const float* x, size_t x_stride, const PackedGemmF32& w, float out_min, \
            float out_max, float* y, size_t y_stride) {                                       \
    gemm_scalar_packed(M, x, x_stride, w, out_min, out_max, y, y_stride);                     \
  }

#endif

WI8_GEMM_F32_VARIANT(gemm_f32_4x8__wasmsimd_splat, 4, 8, true)
WI8_GEMM_F32_VARIANT(gemm_f32_4x8__wasmsimd_loadsplat, 4, 8, false)
WI8_GEMM_F32_VARIANT(gemm_f32_3x8__wasmsimd_loadsplat, 3, 8, false)
WI8_GEMM_F32_VARIANT(gemm_f32_2x16__wasmsimd_loadsplat, 2, 16, false)

#undef WI8_GEMM_F32_VARIANT

}  // namespace wi8
