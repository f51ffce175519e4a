#include <cmath>
#include <limits>

#include "kernels/pool/pool.h"
#include "quant/quant.h"

namespace wi8 {

namespace {

// Where tap k of output o falls along one axis.
enum class Tap { kReal, kPadding, kOverhang };

Tap classify(size_t o, size_t k, size_t stride, size_t dilation, size_t pad_begin, size_t in,
             size_t pad_end) {
  const size_t p = o * stride + k * dilation;  // padded coordinates: the input starts at pad_begin
  if (p < pad_begin) return Tap::kPadding;
  if (p < pad_begin + in) return Tap::kReal;
  if (p < pad_begin + in + pad_end) return Tap::kPadding;
  return Tap::kOverhang;
}

// Calls f(offset of the real tap's pixel in the image) for every real tap of output (oh, ow), in
// (kh, kw) order, and returns the number of real and the number of real + padding taps.
template <class F>
void for_each_tap(const Pool2DGeometry& g, size_t oh, size_t ow, size_t* real, size_t* padded,
                  F f) {
  *real = *padded = 0;
  for (size_t kh = 0; kh < g.kernel_h; ++kh) {
    const Tap th = classify(oh, kh, g.stride_h, g.dilation_h, g.pad_top, g.in_h, g.pad_bottom);
    for (size_t kw = 0; kw < g.kernel_w; ++kw) {
      const Tap tw = classify(ow, kw, g.stride_w, g.dilation_w, g.pad_left, g.in_w, g.pad_right);
      if (th == Tap::kOverhang || tw == Tap::kOverhang) continue;
      ++*padded;
      if (th != Tap::kReal || tw != Tap::kReal) continue;
      ++*real;
      const size_t ih = oh * g.stride_h + kh * g.dilation_h - g.pad_top;
      const size_t iw = ow * g.stride_w + kw * g.dilation_w - g.pad_left;
      f((ih * g.in_w + iw) * g.channels);
    }
  }
}

// f32x4.max: NaN if either operand is NaN; of two equal values, +0 over -0.
float max_f32(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<float>::quiet_NaN();
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

}  // namespace

void maxpool_s8_reference(const Pool2DGeometry& g, const int8_t* x, int8_t* y) {
  for (size_t b = 0; b < g.batch; ++b) {
    const int8_t* image = x + b * g.in_image();
    for (size_t oh = 0; oh < g.out_h; ++oh) {
      for (size_t ow = 0; ow < g.out_w; ++ow) {
        for (size_t c = 0; c < g.channels; ++c) {
          int8_t m = -128;
          size_t real, padded;
          for_each_tap(g, oh, ow, &real, &padded, [&](size_t off) {
            if (image[off + c] > m) m = image[off + c];
          });
          *y++ = m;
        }
      }
    }
  }
}

void maxpool_f32_reference(const Pool2DGeometry& g, const float* x, float* y) {
  for (size_t b = 0; b < g.batch; ++b) {
    const float* image = x + b * g.in_image();
    for (size_t oh = 0; oh < g.out_h; ++oh) {
      for (size_t ow = 0; ow < g.out_w; ++ow) {
        for (size_t c = 0; c < g.channels; ++c) {
          float m = -std::numeric_limits<float>::infinity();
          size_t real, padded;
          for_each_tap(g, oh, ow, &real, &padded,
                       [&](size_t off) { m = max_f32(m, image[off + c]); });
          *y++ = m;
        }
      }
    }
  }
}

void avgpool_s8_reference(const Pool2DGeometry& g, const AvgPoolS8Params& p, const int8_t* x,
                          int8_t* y) {
  for (size_t b = 0; b < g.batch; ++b) {
    const int8_t* image = x + b * g.in_image();
    for (size_t oh = 0; oh < g.out_h; ++oh) {
      for (size_t ow = 0; ow < g.out_w; ++ow) {
        for (size_t c = 0; c < g.channels; ++c) {
          int32_t sum = 0;
          size_t real, padded;
          for_each_tap(g, oh, ow, &real, &padded, [&](size_t off) { sum += image[off + c]; });
          const int32_t acc = sum - static_cast<int32_t>(real) * p.input_zero_point;
          const size_t d = p.count_include_pad ? padded : real;
          *y++ =
              requantize_to_int8(acc, p.multiplier[d], p.shift[d], p.output_zero_point, -128, 127);
        }
      }
    }
  }
}

void avgpool_f32_reference(const Pool2DGeometry& g, bool count_include_pad, const float* x,
                           float* y) {
  for (size_t b = 0; b < g.batch; ++b) {
    const float* image = x + b * g.in_image();
    for (size_t oh = 0; oh < g.out_h; ++oh) {
      for (size_t ow = 0; ow < g.out_w; ++ow) {
        for (size_t c = 0; c < g.channels; ++c) {
          float sum = 0.0f;
          size_t real, padded;
          for_each_tap(g, oh, ow, &real, &padded, [&](size_t off) { sum += image[off + c]; });
          *y++ = sum / static_cast<float>(count_include_pad ? padded : real);
        }
      }
    }
  }
}

void global_avgpool_s8_reference(size_t batch, size_t pixels, size_t channels,
                                 const GlobalAvgPoolS8Params& p, const int8_t* x, int8_t* y) {
  for (size_t b = 0; b < batch; ++b) {
    const int8_t* image = x + b * pixels * channels;
    for (size_t c = 0; c < channels; ++c) {
      int32_t sum = 0;
      for (size_t i = 0; i < pixels; ++i) sum += image[i * channels + c];
      const int32_t acc = sum - static_cast<int32_t>(pixels) * p.input_zero_point;
      *y++ = requantize_to_int8(acc, p.multiplier, p.shift, p.output_zero_point, -128, 127);
    }
  }
}

void global_avgpool_f32_reference(size_t batch, size_t pixels, size_t channels, const float* x,
                                  float* y) {
  for (size_t b = 0; b < batch; ++b) {
    const float* image = x + b * pixels * channels;
    for (size_t c = 0; c < channels; ++c) {
      float sum = 0.0f;
      for (size_t i = 0; i < pixels; ++i) sum += image[i * channels + c];
      *y++ = sum / static_cast<float>(pixels);
    }
  }
}

}  // namespace wi8
