#include "kernels/dwconv/dwconv_f32.h"

namespace wi8 {

void dwconv_f32_reference(const Conv2DGeometry& g, const float* x, const float* w,
                          const float* bias, float out_min, float out_max, float* y) {
  const size_t C = g.in_c;
  for (size_t b = 0; b < g.batch; ++b) {
    const float* image = x + b * g.in_image();
    for (size_t oh = 0; oh < g.out_h; ++oh) {
      for (size_t ow = 0; ow < g.out_w; ++ow) {
        for (size_t c = 0; c < C; ++c) {
          float acc = bias ? bias[c] : 0.0f;
          for (size_t kh = 0; kh < g.kernel_h; ++kh) {
            for (size_t kw = 0; kw < g.kernel_w; ++kw) {
              const int64_t off = conv_tap_offset(g, oh, ow, kh, kw);
              if (off < 0) continue;  // padding
              acc += image[off + static_cast<int64_t>(c)] * w[(kh * g.kernel_w + kw) * C + c];
            }
          }
          acc = acc < out_min ? out_min : acc;
          *y++ = acc > out_max ? out_max : acc;
        }
      }
    }
  }
}

PackedDwF32 pack_dwconv_f32(size_t channels, size_t taps, const float* w, const float* bias,
                            size_t cb) {
  PackedDwF32 p;
  p.channels = channels;
  p.taps = taps;
  p.cb = cb;
  const size_t blocks = (channels + cb - 1) / cb;
  p.data.assign(blocks * p.block_size(), 0.0f);
  for (size_t c = 0; c < channels; ++c) {
    float* block = p.data.data() + c / cb * p.block_size() + c % cb;
    block[0] = bias ? bias[c] : 0.0f;
    for (size_t t = 0; t < taps; ++t) block[(t + 1) * cb] = w[t * channels + c];
  }
  return p;
}

}  // namespace wi8
