#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/pool/pool.h"
#include "kernels/simd_requant.h"
#include "quant/quant.h"

namespace wi8 {

namespace {

// The real taps of one output pixel: rows x cols pixels starting at `first`, row_step / col_step
// elements apart (the dilation). `padded` counts real and padding taps (the count_include_pad
// divisor).
template <class T>
struct PixelTaps {
  const T* first;
  size_t rows, cols;
  size_t row_step, col_step;
  size_t padded;
  size_t real() const { return rows * cols; }
  template <class F>
  void for_each(F f) const {
    const T* r = first;
    for (size_t i = 0; i < rows; ++i, r += row_step) {
      const T* p = r;
      for (size_t j = 0; j < cols; ++j, p += col_step) f(p);
    }
  }
};

// Calls fn(taps, y) for every output pixel; the window of a row / column is computed once.
// A validated geometry gives every window at least one real tap per axis.
template <class T, class PixelFn>
void for_each_pixel(const Pool2DGeometry& g, const T* x, T* y, PixelFn fn) {
  const size_t C = g.channels;
  for (size_t b = 0; b < g.batch; ++b) {
    const T* image = x + b * g.in_image();
    for (size_t oh = 0; oh < g.out_h; ++oh) {
      size_t kh0, kh1, ph;
      pool_axis_window(oh, g.in_h, g.kernel_h, g.stride_h, g.dilation_h, g.pad_top, g.pad_bottom,
                       &kh0, &kh1, &ph);
      const size_t ih0 = oh * g.stride_h + kh0 * g.dilation_h - g.pad_top;
      for (size_t ow = 0; ow < g.out_w; ++ow) {
        size_t kw0, kw1, pw;
        pool_axis_window(ow, g.in_w, g.kernel_w, g.stride_w, g.dilation_w, g.pad_left, g.pad_right,
                         &kw0, &kw1, &pw);
        const size_t iw0 = ow * g.stride_w + kw0 * g.dilation_w - g.pad_left;
        PixelTaps<T> t;
        t.first = image + (ih0 * g.in_w + iw0) * C;
        t.rows = kh1 - kh0;
        t.cols = kw1 - kw0;
        t.row_step = g.dilation_h * g.in_w * C;
        t.col_step = g.dilation_w * C;
        t.padded = ph * pw;
        fn(t, y);
        y += C;
      }
    }
  }
}

}  // namespace

#if defined(__wasm_simd128__)

namespace {

// Stores compute(load) for every block of W channels, where load(p) reads the block's channels of
// the pixel at p. The channel tail is an overlapping last block when C >= W (it recomputes a few
// channels with identical results), else a zero-padded copy of the C channels.
template <size_t W, class T, class Compute>
inline void channel_blocks(size_t C, T* y, Compute compute) {
  size_t c = 0;
  for (; c + W <= C; c += W) {
    wasm_v128_store(y + c, compute([c](const T* p) { return wasm_v128_load(p + c); }));
  }
  if (c == C) return;
  if (C >= W) {
    const size_t c0 = C - W;
    wasm_v128_store(y + c0, compute([c0](const T* p) { return wasm_v128_load(p + c0); }));
    return;
  }
  T out[W];
  wasm_v128_store(out, compute([C](const T* p) {
                    T buf[W] = {};
                    std::memcpy(buf, p, C * sizeof(T));
                    return wasm_v128_load(buf);
                  }));
  std::memcpy(y, out, C * sizeof(T));
}

// Sum of 16 int8 lanes over many vectors: int16 partial sums (256 values of [-128, 127] stay within
// [-32768, 32512]) flushed into four int32x4 accumulators.
struct SumS8x16 {
  v128_t lo16 = wasm_i16x8_splat(0), hi16 = wasm_i16x8_splat(0);
  v128_t acc[4] = {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0),
                   wasm_i32x4_splat(0)};
  size_t n = 0;

  void add(v128_t v) {
    lo16 = wasm_i16x8_add(lo16, wasm_i16x8_extend_low_i8x16(v));
    hi16 = wasm_i16x8_add(hi16, wasm_i16x8_extend_high_i8x16(v));
    if (++n == 256) flush();
  }
  void flush() {
    acc[0] = wasm_i32x4_add(acc[0], wasm_i32x4_extend_low_i16x8(lo16));
    acc[1] = wasm_i32x4_add(acc[1], wasm_i32x4_extend_high_i16x8(lo16));
    acc[2] = wasm_i32x4_add(acc[2], wasm_i32x4_extend_low_i16x8(hi16));
    acc[3] = wasm_i32x4_add(acc[3], wasm_i32x4_extend_high_i16x8(hi16));
    lo16 = hi16 = wasm_i16x8_splat(0);
    n = 0;
  }
  // requantize_to_int8(sum - correction, multiplier, shift, zero_point, -128, 127) on 16 lanes.
  v128_t requantize(int32_t correction, int32_t multiplier, int shift, int32_t zero_point) {
    flush();
    const simd::RequantConsts rq(shift, zero_point, -128, 127);
    const v128_t vm = wasm_i32x4_splat(multiplier);
    const v128_t vc = wasm_i32x4_splat(correction);
    v128_t r[4];
    for (size_t i = 0; i < 4; ++i) {
      r[i] = simd::requantize4(wasm_i32x4_sub(acc[i], vc), vm, rq);
    }
    // narrow_to_int8 leaves 8 results in bytes 0-7: lanes 0-7, then lanes 8-15.
    return wasm_i64x2_shuffle(simd::narrow_to_int8(r[0], r[1], rq),
                              simd::narrow_to_int8(r[2], r[3], rq), 0, 2);
  }
};

}  // namespace

void maxpool_s8_c16__wasmsimd(const Pool2DGeometry& g, const int8_t* x, int8_t* y) {
  for_each_pixel(g, x, y, [&](const PixelTaps<int8_t>& t, int8_t* out) {
    channel_blocks<16>(g.channels, out, [&](auto load) {
      v128_t m = wasm_i8x16_splat(-128);
      t.for_each([&](const int8_t* p) { m = wasm_i8x16_max(m, load(p)); });
      return m;
    });
  });
}

void maxpool_f32_c4__wasmsimd(const Pool2DGeometry& g, const float* x, float* y) {
  for_each_pixel(g, x, y, [&](const PixelTaps<float>& t, float* out) {
    channel_blocks<4>(g.channels, out, [&](auto load) {
      v128_t m = wasm_f32x4_splat(-__builtin_inff());
      t.for_each([&](const float* p) { m = wasm_f32x4_max(m, load(p)); });
      return m;
    });
  });
}

void avgpool_s8_c16__wasmsimd(const Pool2DGeometry& g, const AvgPoolS8Params& p, const int8_t* x,
                              int8_t* y) {
  for_each_pixel(g, x, y, [&](const PixelTaps<int8_t>& t, int8_t* out) {
    const size_t real = t.real();
    const size_t d = p.count_include_pad ? t.padded : real;
    const int32_t correction = static_cast<int32_t>(real) * p.input_zero_point;
    channel_blocks<16>(g.channels, out, [&](auto load) {
      SumS8x16 sum;
      t.for_each([&](const int8_t* px) { sum.add(load(px)); });
      return sum.requantize(correction, p.multiplier[d], p.shift[d], p.output_zero_point);
    });
  });
}

void avgpool_f32_c4__wasmsimd(const Pool2DGeometry& g, bool count_include_pad, const float* x,
                              float* y) {
  for_each_pixel(g, x, y, [&](const PixelTaps<float>& t, float* out) {
    const v128_t divisor =
        wasm_f32x4_splat(static_cast<float>(count_include_pad ? t.padded : t.real()));
    channel_blocks<4>(g.channels, out, [&](auto load) {
      v128_t s = wasm_f32x4_splat(0.0f);
      t.for_each([&](const float* px) { s = wasm_f32x4_add(s, load(px)); });
      return wasm_f32x4_div(s, divisor);
    });
  });
}

void global_avgpool_s8_c16__wasmsimd(size_t batch, size_t pixels, size_t channels,
                                     const GlobalAvgPoolS8Params& p, const int8_t* x, int8_t* y) {
  const int32_t correction = static_cast<int32_t>(pixels) * p.input_zero_point;
  for (size_t b = 0; b < batch; ++b) {
    const int8_t* image = x + b * pixels * channels;
    channel_blocks<16>(channels, y + b * channels, [&](auto load) {
      SumS8x16 sum;
      const int8_t* px = image;
      for (size_t i = 0; i < pixels; ++i, px += channels) sum.add(load(px));
      return sum.requantize(correction, p.multiplier, p.shift, p.output_zero_point);
    });
  }
}

void global_avgpool_f32_c4__wasmsimd(size_t batch, size_t pixels, size_t channels, const float* x,
                                     float* y) {
  const v128_t divisor = wasm_f32x4_splat(static_cast<float>(pixels));
  for (size_t b = 0; b < batch; ++b) {
    const float* image = x + b * pixels * channels;
    channel_blocks<4>(channels, y + b * channels, [&](auto load) {
      v128_t s = wasm_f32x4_splat(0.0f);
      const float* px = image;
      for (size_t i = 0; i < pixels; ++i, px += channels) s = wasm_f32x4_add(s, load(px));
      return wasm_f32x4_div(s, divisor);
    });
  }
}

#else  // Native builds: scalar loops over the same windows (tests the window arithmetic natively).

void maxpool_s8_c16__wasmsimd(const Pool2DGeometry& g, const int8_t* x, int8_t* y) {
  for_each_pixel(g, x, y, [&](const PixelTaps<int8_t>& t, int8_t* out) {
    for (size_t c = 0; c < g.channels; ++c) {
      int8_t m = -128;
      t.for_each([&](const int8_t* p) { m = p[c] > m ? p[c] : m; });
      out[c] = m;
    }
  });
}

void maxpool_f32_c4__wasmsimd(const Pool2DGeometry& g, const float* x, float* y) {
  for_each_pixel(g, x, y, [&](const PixelTaps<float>& t, float* out) {
    for (size_t c = 0; c < g.channels; ++c) {
      float m = -std::numeric_limits<float>::infinity();
      bool nan = false;
      t.for_each([&](const float* p) {
        nan = nan || std::isnan(p[c]);
        m = (p[c] > m || (p[c] == m && !std::signbit(p[c]))) ? p[c] : m;
      });
      out[c] = nan ? std::numeric_limits<float>::quiet_NaN() : m;
    }
  });
}

void avgpool_s8_c16__wasmsimd(const Pool2DGeometry& g, const AvgPoolS8Params& p, const int8_t* x,
                              int8_t* y) {
  for_each_pixel(g, x, y, [&](const PixelTaps<int8_t>& t, int8_t* out) {
    const size_t real = t.real();
    const size_t d = p.count_include_pad ? t.padded : real;
    for (size_t c = 0; c < g.channels; ++c) {
      int32_t sum = 0;
      t.for_each([&](const int8_t* px) { sum += px[c]; });
      out[c] = requantize_to_int8(sum - static_cast<int32_t>(real) * p.input_zero_point,
                                  p.multiplier[d], p.shift[d], p.output_zero_point, -128, 127);
    }
  });
}

void avgpool_f32_c4__wasmsimd(const Pool2DGeometry& g, bool count_include_pad, const float* x,
                              float* y) {
  for_each_pixel(g, x, y, [&](const PixelTaps<float>& t, float* out) {
    const float divisor = static_cast<float>(count_include_pad ? t.padded : t.real());
    for (size_t c = 0; c < g.channels; ++c) {
      float s = 0.0f;
      t.for_each([&](const float* px) { s += px[c]; });
      out[c] = s / divisor;
    }
  });
}

void global_avgpool_s8_c16__wasmsimd(size_t batch, size_t pixels, size_t channels,
                                     const GlobalAvgPoolS8Params& p, const int8_t* x, int8_t* y) {
  global_avgpool_s8_reference(batch, pixels, channels, p, x, y);
}
void global_avgpool_f32_c4__wasmsimd(size_t batch, size_t pixels, size_t channels, const float* x,
                                     float* y) {
  global_avgpool_f32_reference(batch, pixels, channels, x, y);
}

#endif

}  // namespace wi8
