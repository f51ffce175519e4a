// Helpers shared by the int8 and fp32 convolution tests.
#pragma once

#include <sstream>
#include <string>

#include "kernels/conv/conv_geometry.h"
#include "test_util.h"

namespace wi8::test {

inline std::string describe(const Conv2DGeometry& g) {
  std::ostringstream s;
  s << "N" << g.batch << " " << g.in_h << "x" << g.in_w << "x" << g.in_c << "->" << g.out_c << " k"
    << g.kernel_h << "x" << g.kernel_w << " s" << g.stride_h << "," << g.stride_w << " d"
    << g.dilation_h << "," << g.dilation_w << " p" << g.pad_top << "," << g.pad_left << ","
    << g.pad_bottom << "," << g.pad_right << " groups " << g.groups;
  return s.str();
}

// A square-ish geometry with one stride, dilation and padding for both axes.
inline Conv2DGeometry geometry(size_t n, size_t h, size_t w, size_t cin, size_t cout, size_t kh,
                               size_t kw, size_t stride, size_t dilation, size_t pad,
                               size_t groups) {
  Conv2DGeometry g;
  g.batch = n;
  g.in_h = h;
  g.in_w = w;
  g.in_c = cin;
  g.out_c = cout;
  g.kernel_h = kh;
  g.kernel_w = kw;
  g.stride_h = g.stride_w = stride;
  g.dilation_h = g.dilation_w = dilation;
  g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = pad;
  g.groups = groups;
  return g;
}

// A random valid geometry: kernel 1-5, stride 1-3, dilation 1-2, asymmetric pads 0-2, groups 1-3,
// up to 9 input and max_out_per_group output channels per group, batch 1-2.
inline Conv2DGeometry random_geometry(Rng& rng, int max_out_per_group) {
  Conv2DGeometry g;
  g.batch = static_cast<size_t>(rng.int_in(1, 2));
  g.kernel_h = static_cast<size_t>(rng.int_in(1, 5));
  g.kernel_w = static_cast<size_t>(rng.int_in(1, 5));
  g.stride_h = static_cast<size_t>(rng.int_in(1, 3));
  g.stride_w = static_cast<size_t>(rng.int_in(1, 3));
  g.dilation_h = static_cast<size_t>(rng.int_in(1, 2));
  g.dilation_w = static_cast<size_t>(rng.int_in(1, 2));
  g.pad_top = static_cast<size_t>(rng.int_in(0, 2));
  g.pad_left = static_cast<size_t>(rng.int_in(0, 2));
  g.pad_bottom = static_cast<size_t>(rng.int_in(0, 2));
  g.pad_right = static_cast<size_t>(rng.int_in(0, 2));
  g.groups = static_cast<size_t>(rng.int_in(1, 3));
  g.in_c = g.groups * static_cast<size_t>(rng.int_in(1, 9));
  g.out_c = g.groups * static_cast<size_t>(rng.int_in(1, max_out_per_group));
  g.in_h = (g.kernel_h - 1) * g.dilation_h + 1 + static_cast<size_t>(rng.int_in(0, 8));
  g.in_w = (g.kernel_w - 1) * g.dilation_w + 1 + static_cast<size_t>(rng.int_in(0, 8));
  return g;
}

}  // namespace wi8::test
