#include <cmath>
#include <cstring>

#include "kernels/resize/resize.h"
#include "quant/quant.h"

namespace wi8 {

namespace {

size_t clamp_index(double i, size_t in) {
  if (i <= 0.0) return 0;
  const double last = static_cast<double>(in - 1);
  return i >= last ? in - 1 : static_cast<size_t>(i);
}

}  // namespace

double resize_source_coordinate(ResizeCoord mode, size_t o, size_t in, size_t out, double scale) {
  const double x = static_cast<double>(o);
  switch (mode) {
    case ResizeCoord::kHalfPixel:
      return (x + 0.5) / scale - 0.5;
    case ResizeCoord::kPytorchHalfPixel:
      return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case ResizeCoord::kAlignCorners:
      return out > 1 ? x * static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0;
    case ResizeCoord::kAsymmetric:
      return x / scale;
  }
  return 0.0;
}

size_t resize_nearest_index(ResizeNearestMode mode, double x, size_t in) {
  double i = 0.0;
  switch (mode) {
    case ResizeNearestMode::kRoundPreferFloor:
      i = std::ceil(x - 0.5);
      break;
    case ResizeNearestMode::kRoundPreferCeil:
      i = std::floor(x + 0.5);
      break;
    case ResizeNearestMode::kFloor:
      i = std::floor(x);
      break;
    case ResizeNearestMode::kCeil:
      i = std::ceil(x);
      break;
  }
  return clamp_index(i, in);
}

ResizeLinearTaps resize_linear_taps(double x, size_t in) {
  const double x0 = std::floor(x);
  ResizeLinearTaps t;
  t.i0 = clamp_index(x0, in);
  t.i1 = clamp_index(x0 + 1.0, in);
  t.lambda = x - x0;
  return t;
}

int32_t resize_weight_s8(double lambda) {
  return static_cast<int32_t>(std::nearbyint(std::ldexp(lambda, kResizeWeightBits)));
}

ResizeAxisTable resize_nearest_table(ResizeNearestMode mode, ResizeCoord coord, size_t in,
                                     size_t out, double scale) {
  ResizeAxisTable t;
  t.i0.resize(out);
  for (size_t o = 0; o < out; ++o) {
    t.i0[o] = resize_nearest_index(mode, resize_source_coordinate(coord, o, in, out, scale), in);
  }
  return t;
}

ResizeAxisTable resize_linear_table(ResizeCoord coord, size_t in, size_t out, double scale) {
  ResizeAxisTable t;
  t.i0.resize(out);
  t.i1.resize(out);
  t.w1.resize(out);
  t.q1.resize(out);
  for (size_t o = 0; o < out; ++o) {
    const ResizeLinearTaps taps =
        resize_linear_taps(resize_source_coordinate(coord, o, in, out, scale), in);
    t.i0[o] = taps.i0;
    t.i1[o] = taps.i1;
    t.w1[o] = static_cast<float>(taps.lambda);
    t.q1[o] = resize_weight_s8(taps.lambda);
  }
  return t;
}

void resize_nearest_reference(const ResizeGeometry& g, ResizeNearestMode mode, size_t elem_size,
                              const void* x, void* y) {
  const auto* in = static_cast<const uint8_t*>(x);
  auto* out = static_cast<uint8_t*>(y);
  for (size_t b = 0; b < g.batch; ++b) {
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      const size_t iy = resize_nearest_index(
          mode, resize_source_coordinate(g.coord, oy, g.in_h, g.out_h, g.scale_h), g.in_h);
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        const size_t ix = resize_nearest_index(
            mode, resize_source_coordinate(g.coord, ox, g.in_w, g.out_w, g.scale_w), g.in_w);
        for (size_t c = 0; c < g.channels; ++c) {
          const size_t src = ((b * g.in_h + iy) * g.in_w + ix) * g.channels + c;
          std::memcpy(out, in + src * elem_size, elem_size);
          out += elem_size;
        }
      }
    }
  }
}

void resize_requantize_s8(size_t n, const ResizeS8Params& p, int8_t* y) {
  for (size_t i = 0; i < n; ++i) {
    y[i] = requantize_to_int8(y[i] - p.input_zero_point, p.multiplier, p.shift, p.output_zero_point,
                              -128, 127);
  }
}

void resize_bilinear_s8_reference(const ResizeGeometry& g, const ResizeS8Params& p, const int8_t* x,
                                  int8_t* y) {
  const int32_t one = 1 << kResizeWeightBits;
  for (size_t b = 0; b < g.batch; ++b) {
    const int8_t* image = x + b * g.in_image();
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      const ResizeLinearTaps ty = resize_linear_taps(
          resize_source_coordinate(g.coord, oy, g.in_h, g.out_h, g.scale_h), g.in_h);
      const int32_t wy1 = resize_weight_s8(ty.lambda), wy0 = one - wy1;
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        const ResizeLinearTaps tx = resize_linear_taps(
            resize_source_coordinate(g.coord, ox, g.in_w, g.out_w, g.scale_w), g.in_w);
        const int32_t wx1 = resize_weight_s8(tx.lambda), wx0 = one - wx1;
        for (size_t c = 0; c < g.channels; ++c) {
          auto d = [&](size_t iy, size_t ix) {
            return image[(iy * g.in_w + ix) * g.channels + c] - p.input_zero_point;
          };
          const int32_t top = wx0 * d(ty.i0, tx.i0) + wx1 * d(ty.i0, tx.i1);
          const int32_t bottom = wx0 * d(ty.i1, tx.i0) + wx1 * d(ty.i1, tx.i1);
          const int32_t acc = wy0 * top + wy1 * bottom;
          *y++ = requantize_to_int8(acc, p.multiplier, p.shift, p.output_zero_point, -128, 127);
        }
      }
    }
  }
}

void resize_bilinear_f32_reference(const ResizeGeometry& g, const float* x, float* y) {
  for (size_t b = 0; b < g.batch; ++b) {
    const float* image = x + b * g.in_image();
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      const ResizeLinearTaps ty = resize_linear_taps(
          resize_source_coordinate(g.coord, oy, g.in_h, g.out_h, g.scale_h), g.in_h);
      const float wy1 = static_cast<float>(ty.lambda), wy0 = 1.0f - wy1;
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        const ResizeLinearTaps tx = resize_linear_taps(
            resize_source_coordinate(g.coord, ox, g.in_w, g.out_w, g.scale_w), g.in_w);
        const float wx1 = static_cast<float>(tx.lambda), wx0 = 1.0f - wx1;
        for (size_t c = 0; c < g.channels; ++c) {
          auto v = [&](size_t iy, size_t ix) { return image[(iy * g.in_w + ix) * g.channels + c]; };
          const float top = v(ty.i0, tx.i0) * wx0 + v(ty.i0, tx.i1) * wx1;
          const float bottom = v(ty.i1, tx.i0) * wx0 + v(ty.i1, tx.i1) * wx1;
          *y++ = top * wy0 + bottom * wy1;
        }
      }
    }
  }
}

}  // namespace wi8
