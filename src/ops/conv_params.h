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

// A 2-D sliding window (conv or pool) on an input of in_h x in_w: the dilated kernel extent per
// axis, and the padded input it must fit in. check() fails, prefixed with `where`, when it does
// not.
struct Window2D {
  size_t eff_kh = 0, eff_kw = 0, padded_h = 0, padded_w = 0;
  Window2D(size_t in_h, size_t in_w, size_t kh, size_t kw, size_t dh, size_t dw, size_t pad_top,
           size_t pad_left, size_t pad_bottom, size_t pad_right)
      : eff_kh((kh - 1) * dh + 1),
        eff_kw((kw - 1) * dw + 1),
        padded_h(in_h + pad_top + pad_bottom),
        padded_w(in_w + pad_left + pad_right) {}
  Status check(const std::string& where) const;
};

// SAME padding (TF / ONNX SAME_UPPER: the extra pixel goes to the bottom/right; SAME_LOWER:
// top/left) for one spatial axis: fills pad_begin / pad_end so that out = ceil(in / stride).
void same_padding(size_t in, size_t kernel, size_t stride, size_t dilation, bool upper,
                  size_t* pad_begin, size_t* pad_end);

}  // namespace wi8
