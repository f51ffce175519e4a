// Validation of convolution geometry (kernels/conv/conv_geometry.h), shared by the int8 and fp32
// Conv2D ops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "kernels/conv/conv_geometry.h"

namespace wi8 {

// Largest size of any dimension and of any element count; keeps every product in size_t on wasm32.
constexpr size_t kMaxConvDim = size_t{1} << 24;
constexpr size_t kMaxConvElements = size_t{1} << 30;

// Checks every field (kernel, stride, dilation >= 1; groups divides both channel counts; the padded
// input covers the dilated kernel; element counts bounded) and computes out_h / out_w.
// `op` names the op in error messages.
Status validate_conv2d(const char* op, Conv2DGeometry* g);

// SAME padding (TF / ONNX SAME_UPPER: the extra pixel goes to the bottom/right; SAME_LOWER:
// top/left) for one spatial axis: fills pad_begin / pad_end so that out = ceil(in / stride).
void same_padding(size_t in, size_t kernel, size_t stride, size_t dilation, bool upper,
                  size_t* pad_begin, size_t* pad_end);

}  // namespace wi8
