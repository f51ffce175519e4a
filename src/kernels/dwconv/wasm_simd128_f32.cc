#include <cstring>

#include "kernels/dwconv/dwconv_f32.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace wi8 {

#if defined(__wasm_simd128__)

namespace {

inline v128_t clamp(v128_t v, v128_t vmin, v128_t vmax) {
  // pmax(v, min) = v < min ? min : v; pmin(v, max) = max < v ? max : v (NaN passes, as in the
  // reference); one maxps / minps each on x86.
  return wasm_f32x4_pmin(wasm_f32x4_pmax(v, vmin), vmax);
}

// rem (1-3) channels of 4-lane tile j of a packed block: inputs through zero-padded copies, so
// nothing past the pixel's channels is read.
inline void partial_tile(size_t taps, const float* const* in, size_t c, size_t rem,
                         const float* block, size_t cb, size_t j, v128_t vmin, v128_t vmax,
                         float* y) {
  v128_t acc = wasm_v128_load(block + 4 * j);
  for (size_t t = 0; t < taps; ++t) {
    float buf[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    std::memcpy(buf, in[t] + c, rem * sizeof(float));
    acc = wasm_f32x4_add(
        acc, wasm_f32x4_mul(wasm_v128_load(buf), wasm_v128_load(block + (t + 1) * cb + 4 * j)));
  }
  float out[4];
  wasm_v128_store(out, clamp(acc, vmin, vmax));
  std::memcpy(y + c, out, rem * sizeof(float));
}

// One output pixel, all channels, 8 at a time. in[t] points at tap t's input pixel (padding
// already mapped to the zero row). kTaps > 0 fixes the tap count so that the tap loop unrolls.
template <size_t kTaps>
inline void dw_pixel_c8(size_t taps_rt, const float* const* in, const PackedDwF32& w, v128_t vmin,
                        v128_t vmax, float* y) {
  const size_t taps = kTaps ? kTaps : taps_rt;
  const size_t C = w.channels;
  const size_t bs = w.block_size();
  const float* pw = w.data.data();
  size_t c = 0;
  for (; c + 8 <= C; c += 8, pw += bs) {
    v128_t acc0 = wasm_v128_load(pw);
    v128_t acc1 = wasm_v128_load(pw + 4);
    for (size_t t = 0; t < taps; ++t) {
      const float* pi = in[t] + c;
      const float* pt = pw + (t + 1) * 8;
      acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(pi), wasm_v128_load(pt)));
      acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_v128_load(pi + 4), wasm_v128_load(pt + 4)));
    }
    wasm_v128_store(y + c, clamp(acc0, vmin, vmax));
    wasm_v128_store(y + c + 4, clamp(acc1, vmin, vmax));
  }
  if (c == C) return;
  // The last C % 8 channels, in the last (partial) block: 4, then 1-3.
  size_t j = 0;
  if (c + 4 <= C) {
    v128_t acc = wasm_v128_load(pw);
    for (size_t t = 0; t < taps; ++t) {
      acc = wasm_f32x4_add(
          acc, wasm_f32x4_mul(wasm_v128_load(in[t] + c), wasm_v128_load(pw + (t + 1) * 8)));
    }
    wasm_v128_store(y + c, clamp(acc, vmin, vmax));
    c += 4;
    j = 1;
  }
  if (c < C) partial_tile(taps, in, c, C - c, pw, 8, j, vmin, vmax, y);
}

template <size_t kTaps>
void dw_run_c8(const Conv2DGeometry& g, const int32_t* indirection, const float* x,
               const float* zero, const PackedDwF32& w, float out_min, float out_max, float* y) {
  const v128_t vmin = wasm_f32x4_splat(out_min);
  const v128_t vmax = wasm_f32x4_splat(out_max);
  const size_t taps = g.taps();
  constexpr size_t kStackSlots = 64;
  const float* stack_ptrs[kStackSlots];
  std::vector<const float*> heap_ptrs(taps > kStackSlots ? taps : 0);
  const float** ptrs = taps > kStackSlots ? heap_ptrs.data() : stack_ptrs;
  for (size_t b = 0; b < g.batch; ++b) {
    const float* image = x + b * g.in_image();
    const int32_t* ind = indirection;
    for (size_t p = 0; p < g.out_pixels(); ++p) {
      for (size_t t = 0; t < taps; ++t) ptrs[t] = ind[t] >= 0 ? image + ind[t] : zero;
      ind += taps;
      dw_pixel_c8<kTaps>(taps, ptrs, w, vmin, vmax, y);
      y += g.out_c;
    }
  }
}

// kTaps weights of 4 channels held in registers across kPixels pixels: per chunk of pixels the
// tap pointers are resolved once; then, per block of 4 channels, the weights are loaded once and
// every pixel of the chunk does one pointer load, one input load, one mul and one add per tap
// (the one-pixel-at-a-time kernel also loads the weight: 3x3 ran 14-19 GFLOP/s with c4 and 11-14
// with c8, 18-22 this way). Only for tap counts whose weights fit in registers (9: V8 keeps 15
// vector registers on x64).
template <size_t kTaps, size_t kPixels>
void dw_run_c4_pixels(const Conv2DGeometry& g, const int32_t* indirection, const float* x,
                      const float* zero, const PackedDwF32& w, float out_min, float out_max,
                      float* y) {
  const v128_t vmin = wasm_f32x4_splat(out_min);
  const v128_t vmax = wasm_f32x4_splat(out_max);
  const size_t C = w.channels, bs = w.block_size(), pixels = g.out_pixels();
  const size_t c_main = C / 4 * 4;
  const float* ptrs[kPixels][kTaps];
  for (size_t b = 0; b < g.batch; ++b) {
    const float* image = x + b * g.in_image();
    for (size_t p0 = 0; p0 < pixels; p0 += kPixels) {
      const size_t np = pixels - p0 < kPixels ? pixels - p0 : kPixels;
      const int32_t* ind = indirection + p0 * kTaps;
      for (size_t p = 0; p < np; ++p) {
        for (size_t t = 0; t < kTaps; ++t) {
          const int32_t off = ind[p * kTaps + t];
          ptrs[p][t] = off >= 0 ? image + off : zero;
        }
      }
      float* yp = y + (b * pixels + p0) * C;
      for (size_t c = 0; c < c_main; c += 4) {
        const float* pw = w.data.data() + c / 4 * bs;
        const v128_t vbias = wasm_v128_load(pw);
        v128_t vw[kTaps];
        for (size_t t = 0; t < kTaps; ++t) vw[t] = wasm_v128_load(pw + (t + 1) * 4);
        for (size_t p = 0; p < np; ++p) {
          v128_t acc = vbias;
          for (size_t t = 0; t < kTaps; ++t) {
            acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(ptrs[p][t] + c), vw[t]));
          }
          wasm_v128_store(yp + p * C + c, clamp(acc, vmin, vmax));
        }
      }
      if (c_main < C) {
        const float* block = w.data.data() + c_main / 4 * bs;
        for (size_t p = 0; p < np; ++p) {
          partial_tile(kTaps, ptrs[p], c_main, C - c_main, block, 4, 0, vmin, vmax, yp + p * C);
        }
      }
    }
  }
}

}  // namespace

void dwconv_f32_c8__wasmsimd(const Conv2DGeometry& g, const int32_t* indirection, const float* x,
                             const float* zero, const PackedDwF32& w, float out_min, float out_max,
                             float* y) {
  switch (g.taps()) {
    case 9:
      dw_run_c8<9>(g, indirection, x, zero, w, out_min, out_max, y);
      break;
    case 25:
      dw_run_c8<25>(g, indirection, x, zero, w, out_min, out_max, y);
      break;
    default:
      dw_run_c8<0>(g, indirection, x, zero, w, out_min, out_max, y);
  }
}

void dwconv_f32_9tap_c4_p16__wasmsimd(const Conv2DGeometry& g, const int32_t* indirection,
                                      const float* x, const float* zero, const PackedDwF32& w,
                                      float out_min, float out_max, float* y) {
  dw_run_c4_pixels<9, 16>(g, indirection, x, zero, w, out_min, out_max, y);
}

#else  // Native builds: a scalar loop over the same packed data and indirection.

namespace {
void dw_scalar_packed(const Conv2DGeometry& g, const int32_t* indirection, const float* x,
                      const float* zero, const PackedDwF32& w, float out_min, float out_max,
                      float* y) {
  const size_t taps = g.taps(), C = w.channels, cb = w.cb;
  for (size_t b = 0; b < g.batch; ++b) {
    const float* image = x + b * g.in_image();
    for (size_t p = 0; p < g.out_pixels(); ++p) {
      const int32_t* ind = indirection + p * taps;
      for (size_t c = 0; c < C; ++c) {
        const float* block = w.data.data() + c / cb * w.block_size() + c % cb;
        float acc = block[0];
        for (size_t t = 0; t < taps; ++t) {
          const float v = ind[t] >= 0 ? image[ind[t] + static_cast<int32_t>(c)] : zero[c];
          acc += v * block[(t + 1) * cb];
        }
        acc = acc < out_min ? out_min : acc;
        *y++ = acc > out_max ? out_max : acc;
      }
    }
  }
}
}  // namespace

void dwconv_f32_c8__wasmsimd(const Conv2DGeometry& g, const int32_t* indirection, const float* x,
                             const float* zero, const PackedDwF32& w, float out_min, float out_max,
                             float* y) {
  dw_scalar_packed(g, indirection, x, zero, w, out_min, out_max, y);
}

void dwconv_f32_9tap_c4_p16__wasmsimd(const Conv2DGeometry& g, const int32_t* indirection,
                                      const float* x, const float* zero, const PackedDwF32& w,
                                      float out_min, float out_max, float* y) {
  dw_scalar_packed(g, indirection, x, zero, w, out_min, out_max, y);
}

#endif

}  // namespace wi8
