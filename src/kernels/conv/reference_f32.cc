#include "kernels/conv/conv_f32.h"

namespace wi8 {

void conv2d_f32_reference(const Conv2DGeometry& g, const float* x, const float* w,
                          const float* bias, float out_min, float out_max, float* y) {
  const size_t cin_g = g.in_c / g.groups, cout_g = g.out_c / g.groups;
  for (size_t b = 0; b < g.batch; ++b) {
    const float* image = x + b * g.in_image();
    for (size_t oh = 0; oh < g.out_h; ++oh) {
      for (size_t ow = 0; ow < g.out_w; ++ow) {
        for (size_t oc = 0; oc < g.out_c; ++oc) {
          const size_t grp = oc / cout_g;
          float acc = bias ? bias[oc] : 0.0f;
          for (size_t kh = 0; kh < g.kernel_h; ++kh) {
            for (size_t kw = 0; kw < g.kernel_w; ++kw) {
              const int64_t off = conv_tap_offset(g, oh, ow, kh, kw);
              if (off < 0) continue;  // padding
              const float* in = image + off + static_cast<int64_t>(grp * cin_g);
              const float* wk = w + ((oc * g.kernel_h + kh) * g.kernel_w + kw) * cin_g;
              for (size_t c = 0; c < cin_g; ++c) acc += in[c] * wk[c];
            }
          }
          acc = acc < out_min ? out_min : acc;
          *y++ = acc > out_max ? out_max : acc;
        }
      }
    }
  }
}

}  // namespace wi8
