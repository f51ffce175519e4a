// int8 depthwise convolution, NHWC, one weight per (tap, channel), channel multiplier 1:
//
//   y[p][c] = requantize_to_int8(bias[c] + sum_t (x[tap t of p][c] - x_zero_point) * w[t][c])
//
// Padding taps contribute nothing (they read x_zero_point). The reference loops over the geometry
// directly; the SIMD kernel reads the input through an indirection table (conv_indirection(): per
// output pixel, one offset per tap, -1 for padding) and uses weights packed once at load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/conv/conv_geometry.h"
#include "kernels/gemm/gemm_s8.h"

namespace wi8 {

// w: [taps][channels] (HWC), bias may be null, out.multiplier: [channels].
void dwconv_s8_reference(const Conv2DGeometry& g, const int8_t* x, int32_t x_zero_point,
                         const int8_t* w, const int32_t* bias, const GemmS8Output& out, int8_t* y);

// Weights widened to int16 and padded to a multiple of 8 channels, [taps][round_up(c, 8)], so the
// kernel multiplies without extending them; -x_zero_point * sum_t w[t][c] is folded into the bias.
struct PackedDwS8 {
  size_t channels = 0;
  size_t taps = 0;
  std::vector<int16_t> weights;
  std::vector<int32_t> bias;        // round_up(c, 8)
  std::vector<int32_t> multiplier;  // round_up(c, 8)
};

PackedDwS8 pack_dwconv_s8(size_t channels, size_t taps, const int8_t* w, const int32_t* bias,
                          int32_t x_zero_point, const int32_t* multiplier);

// 8 channels at a time, products by i32x4.extmul_i16x8 ("mul16"). Specialised (fully unrolled) for
// 9 taps (3x3) and 25 taps (5x5), any stride / dilation; other kernels use the generic loop.
// `indirection` comes from conv_indirection(g); `zero` holds g.in_c copies of x_zero_point.
// Native builds run a scalar loop over the same packed data.
void dwconv_s8_c8__wasmsimd_mul16(const Conv2DGeometry& g, const int32_t* indirection,
                                  const int8_t* x, const int8_t* zero, const PackedDwS8& w,
                                  const GemmS8Output& out, int8_t* y);

}  // namespace wi8
