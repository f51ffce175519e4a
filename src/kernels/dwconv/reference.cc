#include "kernels/dwconv/dwconv_s8.h"
#include "quant/quant.h"

namespace wi8 {

void dwconv_s8_reference(const Conv2DGeometry& g, const int8_t* x, int32_t x_zero_point,
                         const int8_t* w, const int32_t* bias, const GemmS8Output& out, int8_t* y) {
  const size_t C = g.in_c;
  for (size_t b = 0; b < g.batch; ++b) {
    const int8_t* image = x + b * g.in_image();
    for (size_t oh = 0; oh < g.out_h; ++oh) {
      for (size_t ow = 0; ow < g.out_w; ++ow) {
        for (size_t c = 0; c < C; ++c) {
          uint32_t acc = bias ? static_cast<uint32_t>(bias[c]) : 0u;  // wraps like i32 SIMD adds
          for (size_t kh = 0; kh < g.kernel_h; ++kh) {
            for (size_t kw = 0; kw < g.kernel_w; ++kw) {
              const int64_t off = conv_tap_offset(g, oh, ow, kh, kw);
              if (off < 0) continue;  // padding: x == x_zero_point contributes 0
              const int32_t v =
                  static_cast<int32_t>(image[off + static_cast<int64_t>(c)]) - x_zero_point;
              acc += static_cast<uint32_t>(v *
                                           static_cast<int32_t>(w[(kh * g.kernel_w + kw) * C + c]));
            }
          }
          *y++ = requantize_to_int8(static_cast<int32_t>(acc), out.multiplier[c], out.shift,
                                    out.zero_point, out.qmin, out.qmax);
        }
      }
    }
  }
}

PackedDwS8 pack_dwconv_s8(size_t channels, size_t taps, const int8_t* w, const int32_t* bias,
                          int32_t x_zero_point, const int32_t* multiplier) {
  PackedDwS8 p;
  p.channels = channels;
  p.taps = taps;
  const size_t cp = (channels + 7) / 8 * 8;
  const size_t pairs = PackedDwS8::pairs(taps);
  p.weights.assign(cp / 8 * pairs * PackedDwS8::kPairValues, 0);
  p.bias.assign(cp, 0);
  p.multiplier.assign(cp, 0);
  for (size_t c = 0; c < channels; ++c) {
    uint32_t sum = 0;
    for (size_t t = 0; t < taps; ++t) {
      const int8_t v = w[t * channels + c];
      p.weights[PackedDwS8::index(pairs, t, c)] = v;
      sum += static_cast<uint32_t>(static_cast<int32_t>(v));
    }
    const uint32_t b = bias ? static_cast<uint32_t>(bias[c]) : 0u;
    p.bias[c] = static_cast<int32_t>(b - static_cast<uint32_t>(x_zero_point) * sum);
    p.multiplier[c] = multiplier[c];
  }
  return p;
}

}  // namespace wi8
