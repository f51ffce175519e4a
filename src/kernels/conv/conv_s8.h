// int8 convolution reference: the oracle for every int8 conv path (im2col + GEMM, pointwise,
// depthwise). Direct loops over the geometry, weights OHWI, one multiplier per output channel.
#pragma once

#include <cstdint>

#include "kernels/conv/conv_geometry.h"
#include "kernels/gemm/gemm_s8.h"

namespace wi8 {

void conv2d_s8_reference(const Conv2DGeometry& g, const int8_t* x, int32_t x_zero_point,
                         const int8_t* w, const int32_t* bias, const GemmS8Output& out, int8_t* y);

}  // namespace wi8
