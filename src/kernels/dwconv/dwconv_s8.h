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

// Weights widened to int16, channels padded to a multiple of 8, taps in pairs (an odd last tap is
// paired with zero weights) and interleaved for i32x4.dot_i16x8_s: for tap pair p and channels
// c..c+3 the 8 values are [w(2p, c), w(2p+1, c), w(2p, c+1), w(2p+1, c+1), ...]. One dot then does
// two taps of four channels. Blocks of 8 channels are outermost, so one block's weights (all its
// tap pairs, 16 values each) are contiguous: the kernels address them with constant offsets.
// -x_zero_point * sum_t w[t][c] is folded into the bias.
struct PackedDwS8 {
  size_t channels = 0;
  size_t taps = 0;
  // [round_up(c, 8) / 8][round_up(taps, 2) / 2][2 halves][4 channels][2 taps]
  std::vector<int16_t> weights;
  std::vector<int32_t> bias;        // round_up(c, 8)
  std::vector<int32_t> multiplier;  // round_up(c, 8)
  // int16 values of one tap pair in one block of 8 channels (two dot operands).
  static constexpr size_t kPairValues = 16;
  size_t padded_channels() const { return bias.size(); }
  static size_t pairs(size_t taps) { return (taps + 1) / 2; }
  size_t pairs() const { return pairs(taps); }
  // int16 values per block of 8 channels.
  size_t block_size() const { return pairs() * kPairValues; }
  static size_t index(size_t pairs, size_t t, size_t c) {
    return (c / 8) * pairs * kPairValues + (t / 2) * kPairValues + (c % 8 / 4) * 8 + (c % 4) * 2 +
           t % 2;
  }
  int16_t weight(size_t t, size_t c) const { return weights[index(pairs(), t, c)]; }
};

PackedDwS8 pack_dwconv_s8(size_t channels, size_t taps, const int8_t* w, const int32_t* bias,
                          int32_t x_zero_point, const int32_t* multiplier);

// 8 channels at a time, two taps per i32x4.dot_i16x8_s ("dot16x2"), output pixels in pairs that
// share each weight load (15 % faster than one pixel at a time on the
// MobileNetV2 shapes, bench/kernels_bench.cc). Any kernel size, stride and dilation: the tap loop
// is not unrolled (unrolled, V8 spills), so specialising it for 3x3 and 5x5 measured no faster and
// took wasm size. A 3x3 form with the nine tap pointers in locals (one pixel, weights at constant
// offsets) ran 25 % slower: clang reassociated the sums and hoisted all 9 input and 10 weight
// loads, and V8 spilled half of them. `indirection` comes from conv_indirection(g); `zero` holds
// g.in_c copies of x_zero_point. Native builds run a scalar loop over the same packed data.
void dwconv_s8_c8__wasmsimd_dot16x2(const Conv2DGeometry& g, const int32_t* indirection,
                                    const int8_t* x, const int8_t* zero, const PackedDwS8& w,
                                    const GemmS8Output& out, int8_t* y);

}  // namespace wi8
