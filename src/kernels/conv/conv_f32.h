// fp32 convolution reference: the oracle for every fp32 conv path (im2col + GEMM, pointwise,
// depthwise). Direct loops over the geometry, weights OHWI, any groups; the sum runs bias first,
// then kh, kw, c in order (the order of an im2col row), and the clamp keeps NaN.
#pragma once

#include "kernels/conv/conv_geometry.h"

namespace wi8 {

// w: OHWI [out_c][kernel_h][kernel_w][in_c / groups]; bias: [out_c] or null.
void conv2d_f32_reference(const Conv2DGeometry& g, const float* x, const float* w,
                          const float* bias, float out_min, float out_max, float* y);

}  // namespace wi8
