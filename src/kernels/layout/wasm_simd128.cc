#include <cstring>

#include "kernels/layout/layout.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace wi8 {

namespace {

// ---- Pad

// `count` elements of the constant. When 16 is a multiple of the element size the value repeated
// to 16 bytes is stored a vector at a time.
struct Filler {
  size_t elem_size;
  const uint8_t* value;
  bool vector;
  alignas(16) uint8_t pattern[16];

  Filler(size_t es, const void* v)
      : elem_size(es), value(static_cast<const uint8_t*>(v)), vector(v && 16 % es == 0) {
    if (vector) {
      for (size_t i = 0; i < 16; i += es) std::memcpy(pattern + i, value, es);
    }
  }

  void fill(uint8_t* dst, size_t count) const {
    size_t bytes = count * elem_size;
    if (!vector) {
      for (size_t i = 0; i < count; ++i) std::memcpy(dst + i * elem_size, value, elem_size);
      return;
    }
#if defined(__wasm_simd128__)
    const v128_t v = wasm_v128_load(pattern);
    for (; bytes >= 16; bytes -= 16, dst += 16) wasm_v128_store(dst, v);
#else
    for (; bytes >= 16; bytes -= 16, dst += 16) std::memcpy(dst, pattern, 16);
#endif
    std::memcpy(dst, pattern, bytes);
  }
};

struct PadRows {
  const PadGeometry& g;
  PadMode mode;
  size_t es;
  Filler filler;
  size_t in_stride[kLayoutMaxRank];   // bytes
  size_t out_stride[kLayoutMaxRank];  // bytes

  // Writes the padded block of axes d.. for the input block x.
  void axis(size_t d, const uint8_t* x, uint8_t* y) const {
    const size_t n = g.in[d], b = g.begin[d], e = g.end[d];
    const int64_t in_n = static_cast<int64_t>(n);
    if (d + 1 == g.rank) {
      if (n > 0) std::memcpy(y + b * es, x, n * es);
      if (mode == PadMode::kConstant) {
        filler.fill(y, b);
        filler.fill(y + (b + n) * es, e);
        return;
      }
      for (size_t i = 0; i < b; ++i) {
        const int64_t src =
            pad_source_index(mode, static_cast<int64_t>(i) - static_cast<int64_t>(b), n);
        std::memcpy(y + i * es, x + static_cast<size_t>(src) * es, es);
      }
      for (size_t i = 0; i < e; ++i) {
        const int64_t src = pad_source_index(mode, in_n + static_cast<int64_t>(i), n);
        std::memcpy(y + (b + n + i) * es, x + static_cast<size_t>(src) * es, es);
      }
      return;
    }
    const size_t row = out_stride[d];
    for (size_t i = 0; i < n; ++i) axis(d + 1, x + i * in_stride[d], y + (b + i) * row);
    // Padding rows: the constant, or a copy of the (already written) row they mirror / repeat.
    auto pad_row = [&](size_t o) {
      uint8_t* dst = y + o * row;
      if (mode == PadMode::kConstant) {
        filler.fill(dst, row / es);
        return;
      }
      const int64_t src =
          pad_source_index(mode, static_cast<int64_t>(o) - static_cast<int64_t>(b), n);
      std::memcpy(dst, y + (b + static_cast<size_t>(src)) * row, row);
    };
    for (size_t o = 0; o < b; ++o) pad_row(o);
    for (size_t o = b + n; o < b + n + e; ++o) pad_row(o);
  }
};

// ---- Transpose

// Calls f(src_offset, dst_offset) for every index of `n` axes (extent, src stride, dst stride),
// last axis fastest; once with (0, 0) when n == 0.
template <class F>
void for_each_index(size_t n, const size_t* extent, const size_t* src_stride,
                    const size_t* dst_stride, F f) {
  size_t idx[kLayoutMaxRank] = {};
  size_t src = 0, dst = 0;
  for (;;) {
    f(src, dst);
    size_t a = n;
    for (; a-- > 0;) {
      src += src_stride[a];
      dst += dst_stride[a];
      if (++idx[a] < extent[a]) break;
      src -= idx[a] * src_stride[a];
      dst -= idx[a] * dst_stride[a];
      idx[a] = 0;
    }
    if (a == static_cast<size_t>(-1)) return;
  }
}

// The element-by-element loops (the tiles' edges) stay loops: vectorized and unrolled by clang
// at -O3 they made Transpose 12 KB of wasm instead of 7, for no measured gain (a 1x64x56x56
// fp32 transpose and MobileNetV2's input transpose ran level).
#if defined(__clang__)
#define WI8_SCALAR_LOOP _Pragma("clang loop vectorize(disable) unroll(disable)")
#else
#define WI8_SCALAR_LOOP
#endif

// dst[j][i] = src[i][j] for a rows x cols block; strides in elements of ES bytes.
template <size_t ES>
void transpose_scalar(size_t rows, size_t cols, const uint8_t* src, size_t ss, uint8_t* dst,
                      size_t ds) {
  for (size_t i = 0; i < rows; ++i) {
    WI8_SCALAR_LOOP
    for (size_t j = 0; j < cols; ++j)
      std::memcpy(dst + (j * ds + i) * ES, src + (i * ss + j) * ES, ES);
  }
}

void transpose_scalar_any(size_t es, size_t rows, size_t cols, const uint8_t* src, size_t ss,
                          uint8_t* dst, size_t ds) {
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j)
      std::memcpy(dst + (j * ds + i) * es, src + (i * ss + j) * es, es);
  }
}

#if defined(__wasm_simd128__)
// Transposes N vectors of N lanes in log2(N) rounds: round r interleaves vector i with vector
// i + N/2 (low halves into 2i, high halves into 2i+1). Each round moves one bit of the vector index
// into the lane index and vice versa, so after log2(N) rounds rows and columns have swapped.
inline void transpose16x16_bytes(v128_t* r) {
  v128_t t[16];
  for (int round = 0; round < 4; ++round) {
    for (size_t i = 0; i < 8; ++i) {
      t[2 * i] = wasm_i8x16_shuffle(r[i], r[i + 8], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22,
                                    7, 23);
      t[2 * i + 1] = wasm_i8x16_shuffle(r[i], r[i + 8], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13,
                                        29, 14, 30, 15, 31);
    }
    for (size_t i = 0; i < 16; ++i) r[i] = t[i];
  }
}

inline void transpose4x4_words(v128_t* r) {
  for (int round = 0; round < 2; ++round) {
    const v128_t t0 = wasm_i32x4_shuffle(r[0], r[2], 0, 4, 1, 5);
    const v128_t t1 = wasm_i32x4_shuffle(r[0], r[2], 2, 6, 3, 7);
    const v128_t t2 = wasm_i32x4_shuffle(r[1], r[3], 0, 4, 1, 5);
    const v128_t t3 = wasm_i32x4_shuffle(r[1], r[3], 2, 6, 3, 7);
    r[0] = t0;
    r[1] = t1;
    r[2] = t2;
    r[3] = t3;
  }
}
#endif

// One T x T tile (T = 16 for bytes, 4 for 4-byte words).
template <size_t ES>
inline void transpose_tile(const uint8_t* src, size_t ss, uint8_t* dst, size_t ds) {
#if defined(__wasm_simd128__)
  constexpr size_t T = 16 / ES;
  v128_t r[T];
  for (size_t i = 0; i < T; ++i) r[i] = wasm_v128_load(src + i * ss * ES);
  if (ES == 1) {
    transpose16x16_bytes(r);
  } else {
    transpose4x4_words(r);
  }
  for (size_t i = 0; i < T; ++i) wasm_v128_store(dst + i * ds * ES, r[i]);
#else
  transpose_scalar<ES>(16 / ES, 16 / ES, src, ss, dst, ds);
#endif
}

#if defined(__wasm_simd128__)
// Three rows into contiguous output rows of 3 (ds == 3: an NCHW -> NHWC image of 3 channels, the
// usual model input), T columns (one vector per input row) at a time: each output vector is two
// shuffles (rows 0 and 1, then row 2 put in). The 16 x 16 tiles would do the whole picture's
// columns element by element (rows_main is 0): 0.09 ms for a 224 x 224 RGB int8 input.
// Returns the columns done.
template <size_t ES>
size_t transpose_3rows(size_t cols, const uint8_t* src, size_t ss, uint8_t* dst) {
  constexpr size_t T = 16 / ES;
  size_t j = 0;
  for (; j + T <= cols; j += T) {
    const v128_t a = wasm_v128_load(src + j * ES);
    const v128_t b = wasm_v128_load(src + (ss + j) * ES);
    const v128_t c = wasm_v128_load(src + (2 * ss + j) * ES);
    v128_t o0, o1, o2;
    if constexpr (ES == 1) {
      o0 = wasm_i8x16_shuffle(
          wasm_i8x16_shuffle(a, b, 0, 16, 0, 1, 17, 0, 2, 18, 0, 3, 19, 0, 4, 20, 0, 5), c, 0, 1,
          16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15);
      o1 = wasm_i8x16_shuffle(
          wasm_i8x16_shuffle(a, b, 21, 0, 6, 22, 0, 7, 23, 0, 8, 24, 0, 9, 25, 0, 10, 26), c, 0, 21,
          2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15);
      o2 = wasm_i8x16_shuffle(
          wasm_i8x16_shuffle(a, b, 0, 11, 27, 0, 12, 28, 0, 13, 29, 0, 14, 30, 0, 15, 31, 0), c, 26,
          1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31);
    } else {
      o0 = wasm_i32x4_shuffle(wasm_i32x4_shuffle(a, b, 0, 4, 0, 1), c, 0, 1, 4, 3);
      o1 = wasm_i32x4_shuffle(wasm_i32x4_shuffle(a, b, 5, 0, 2, 6), c, 0, 5, 2, 3);
      o2 = wasm_i32x4_shuffle(wasm_i32x4_shuffle(a, b, 0, 3, 7, 0), c, 6, 1, 2, 7);
    }
    uint8_t* d = dst + j * 3 * ES;
    wasm_v128_store(d, o0);
    wasm_v128_store(d + 16, o1);
    wasm_v128_store(d + 32, o2);
  }
  return j;
}
#endif

// dst[j][i] = src[i][j] in tiles; the edges element by element.
template <size_t ES>
void transpose_2d(size_t rows, size_t cols, const uint8_t* src, size_t ss, uint8_t* dst,
                  size_t ds) {
  constexpr size_t T = 16 / ES;
#if defined(__wasm_simd128__)
  if (rows == 3 && ds == 3 && (ES == 1 || ES == 4)) {
    const size_t done = transpose_3rows<ES>(cols, src, ss, dst);
    transpose_scalar<ES>(3, cols - done, src + done * ES, ss, dst + done * 3 * ES, ds);
    return;
  }
#endif
  const size_t rows_main = rows / T * T, cols_main = cols / T * T;
  for (size_t i = 0; i < rows_main; i += T) {
    for (size_t j = 0; j < cols_main; j += T) {
      transpose_tile<ES>(src + (i * ss + j) * ES, ss, dst + (j * ds + i) * ES, ds);
    }
    transpose_scalar<ES>(T, cols - cols_main, src + (i * ss + cols_main) * ES, ss,
                         dst + (cols_main * ds + i) * ES, ds);
  }
  transpose_scalar<ES>(rows - rows_main, cols, src + rows_main * ss * ES, ss, dst + rows_main * ES,
                       ds);
}

}  // namespace

void pad_rows__wasmsimd(const PadGeometry& g, PadMode mode, size_t elem_size, const void* value,
                        const void* x, void* y) {
  auto* out = static_cast<uint8_t*>(y);
  if (g.rank == 0) {
    std::memcpy(out, x, elem_size);
    return;
  }
  for (size_t a = 0; a < g.rank; ++a) {
    if (g.out(a) == 0) return;  // empty output
  }
  PadRows p{g,  mode, elem_size, Filler(elem_size, mode == PadMode::kConstant ? value : nullptr),
            {}, {}};
  size_t in_s = elem_size, out_s = elem_size;
  for (size_t a = g.rank; a-- > 0;) {
    p.in_stride[a] = in_s;
    p.out_stride[a] = out_s;
    in_s *= g.in[a];
    out_s *= g.out(a);
  }
  p.axis(0, static_cast<const uint8_t*>(x), out);
}

void transpose_tiled__wasmsimd(const TransposeGeometry& g, size_t elem_size, const void* x,
                               void* y) {
  const auto* in = static_cast<const uint8_t*>(x);
  auto* out = static_cast<uint8_t*>(y);
  size_t in_stride[kLayoutMaxRank];
  size_t count = 1;
  for (size_t a = g.rank; a-- > 0;) {
    in_stride[a] = count;
    count *= g.in[a];
  }
  if (count == 0) return;
  // Output axes as (extent, input stride), without size-1 axes, merging an axis into the previous
  // one when they are adjacent and in order in the input too.
  size_t ext[kLayoutMaxRank], src_s[kLayoutMaxRank];
  size_t r = 0;
  for (size_t a = 0; a < g.rank; ++a) {
    const size_t e = g.in[g.perm[a]], s = in_stride[g.perm[a]];
    if (e == 1) continue;
    if (r > 0 && src_s[r - 1] == e * s) {
      ext[r - 1] *= e;
      src_s[r - 1] = s;
      continue;
    }
    ext[r] = e;
    src_s[r] = s;
    ++r;
  }
  if (r == 0 || (r == 1 && src_s[0] == 1)) {  // a copy
    std::memcpy(out, in, count * elem_size);
    return;
  }
  size_t dst_s[kLayoutMaxRank];  // output strides (elements) of the merged axes
  size_t acc = 1;
  for (size_t a = r; a-- > 0;) {
    dst_s[a] = acc;
    acc *= ext[a];
  }
  if (src_s[r - 1] == 1) {
    // The innermost axis is kept: copy runs of ext[r - 1] elements.
    const size_t run = ext[r - 1] * elem_size;
    size_t src_b[kLayoutMaxRank], dst_b[kLayoutMaxRank];
    for (size_t a = 0; a + 1 < r; ++a) {
      src_b[a] = src_s[a] * elem_size;
      dst_b[a] = dst_s[a] * elem_size;
    }
    for_each_index(r - 1, ext, src_b, dst_b,
                   [&](size_t s, size_t d) { std::memcpy(out + d, in + s, run); });
    return;
  }
  // A 2-D transpose per index of the other axes: rows along the output's innermost axis (input
  // stride src_s[r-1]), columns along the input's innermost axis q (input stride 1).
  size_t q = 0;
  while (src_s[q] != 1) ++q;
  const size_t rows = ext[r - 1], cols = ext[q];
  const size_t ss = src_s[r - 1], ds = dst_s[q];
  size_t o_ext[kLayoutMaxRank], o_src[kLayoutMaxRank], o_dst[kLayoutMaxRank];
  size_t n = 0;
  for (size_t a = 0; a + 1 < r; ++a) {
    if (a == q) continue;
    o_ext[n] = ext[a];
    o_src[n] = src_s[a] * elem_size;
    o_dst[n] = dst_s[a] * elem_size;
    ++n;
  }
  for_each_index(n, o_ext, o_src, o_dst, [&](size_t s, size_t d) {
    switch (elem_size) {
      case 1:
        transpose_2d<1>(rows, cols, in + s, ss, out + d, ds);
        break;
      case 4:
        transpose_2d<4>(rows, cols, in + s, ss, out + d, ds);
        break;
      default:
        transpose_scalar_any(elem_size, rows, cols, in + s, ss, out + d, ds);
    }
  });
}

}  // namespace wi8
