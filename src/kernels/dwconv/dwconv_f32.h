// fp32 depthwise convolution, NHWC, one weight per (tap, channel), channel multiplier 1:
//
//   y[p][c] = clamp(bias[c] + sum_t x[tap t of p][c] * w[t][c], out_min, out_max)
//
// Padding taps contribute nothing. The sum runs bias first, then taps in order, each product
// rounded before the add (no FMA in SIMD128), in the reference and in the SIMD kernels alike. The
// clamp keeps NaN (v < min ? min : v, then v > max ? max : v).
//
// The reference loops over the geometry directly; the SIMD kernels read the input through an
// indirection table (conv_indirection(): per output pixel, one offset per tap, -1 for padding,
// which reads a row of zeros) and use weights packed once at load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/conv/conv_geometry.h"

namespace wi8 {

// w: [taps][channels] (HWC), bias may be null.
void dwconv_f32_reference(const Conv2DGeometry& g, const float* x, const float* w,
                          const float* bias, float out_min, float out_max, float* y);

// Per block of cb channels (the kernel's channel tile): cb bias values, then taps x cb weights.
// Channels past `channels` are zero.
struct PackedDwF32 {
  size_t channels = 0;
  size_t taps = 0;
  size_t cb = 8;
  std::vector<float> data;  // round_up(channels, cb) / cb blocks of (taps + 1) * cb floats
  size_t block_size() const { return (taps + 1) * cb; }
};

PackedDwF32 pack_dwconv_f32(size_t channels, size_t taps, const float* w, const float* bias,
                            size_t cb);

// SIMD kernels (f32x4 mul + add, clamp fused). `indirection` comes from conv_indirection(g);
// `zero` holds g.in_c zeros. Channels past the last multiple of 4 go through zero-padded copies,
// so nothing past a pixel's channels is read. Native builds run a scalar loop over the same packed
// data and indirection.
using DwConvF32Fn = void (*)(const Conv2DGeometry& g, const int32_t* indirection, const float* x,
                             const float* zero, const PackedDwF32& w, float out_min, float out_max,
                             float* y);

// Any kernel size: one output pixel at a time, 8 channels at a time (weights packed with cb = 8),
// the tap loop unrolled for 9 taps (3x3) and 25 taps (5x5). The fastest measured for 5x5.
void dwconv_f32_c8__wasmsimd(const Conv2DGeometry& g, const int32_t* indirection, const float* x,
                             const float* zero, const PackedDwF32& w, float out_min, float out_max,
                             float* y);

// Exactly 9 taps (3x3, any stride / dilation; also 1x9 and 9x1): 4 channels at a time (cb = 4),
// the 9 weight vectors held in registers across 16 output pixels.
void dwconv_f32_9tap_c4_p16__wasmsimd(const Conv2DGeometry& g, const int32_t* indirection,
                                      const float* x, const float* zero, const PackedDwF32& w,
                                      float out_min, float out_max, float* y);

}  // namespace wi8
