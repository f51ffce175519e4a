#include "kernels/conv/conv_s8.h"
#include "quant/quant.h"

namespace wi8 {

void conv2d_s8_reference(const Conv2DGeometry& g, const int8_t* x, int32_t x_zero_point,
                         const int8_t* w, const int32_t* bias, const GemmS8Output& out, int8_t* y) {
  const size_t cin_g = g.in_c / g.groups, cout_g = g.out_c / g.groups;
  for (size_t b = 0; b < g.batch; ++b) {
    const int8_t* image = x + b * g.in_image();
    for (size_t oh = 0; oh < g.out_h; ++oh) {
      for (size_t ow = 0; ow < g.out_w; ++ow) {
        for (size_t oc = 0; oc < g.out_c; ++oc) {
          const size_t grp = oc / cout_g;
          uint32_t acc = bias ? static_cast<uint32_t>(bias[oc]) : 0u;  // wraps like SIMD i32 adds
          for (size_t kh = 0; kh < g.kernel_h; ++kh) {
            for (size_t kw = 0; kw < g.kernel_w; ++kw) {
              const int64_t off = conv_tap_offset(g, oh, ow, kh, kw);
              if (off < 0) continue;  // padding reads the zero point: contributes 0
              for (size_t c = 0; c < cin_g; ++c) {
                const int32_t v =
                    static_cast<int32_t>(image[off + static_cast<int64_t>(grp * cin_g + c)]) -
                    x_zero_point;
                const int8_t wv = w[((oc * g.kernel_h + kh) * g.kernel_w + kw) * cin_g + c];
                acc += static_cast<uint32_t>(v * static_cast<int32_t>(wv));
              }
            }
          }
          *y++ = requantize_to_int8(static_cast<int32_t>(acc), out.multiplier[oc], out.shift,
                                    out.zero_point, out.qmin, out.qmax);
        }
      }
    }
  }
}

}  // namespace wi8
