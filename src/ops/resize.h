// Resize (ONNX) of NHWC images along H and W, int8 and fp32: nearest (coordinate modes half_pixel,
// pytorch_half_pixel, align_corners, asymmetric; nearest modes round_prefer_floor,
// round_prefer_ceil, floor, ceil) and bilinear ("linear", the same coordinate modes). Coordinates,
// the fp32 formula and the int8 rounding rule are stated in kernels/resize/resize.h.
// Not supported: cubic, tf_crop_and_resize, antialias, exclude_outside.
//
// int8: the output parameters may differ from the input's (bilinear folds the change into its
// requantization; nearest requantizes the copied values).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/status.h"
#include "kernels/resize/resize.h"
#include "quant/quant.h"

namespace wi8 {

enum class ResizeMode { kNearest, kLinear };

struct ResizeParams {
  size_t batch = 1, in_h = 0, in_w = 0, channels = 0;
  size_t out_h = 0, out_w = 0;
  // ONNX `scales` for H and W as the model gives them (they enter the half_pixel and asymmetric
  // coordinates); 0 when the model gives sizes, and the scale is then out / in.
  float scale_h = 0.0f, scale_w = 0.0f;
  ResizeMode mode = ResizeMode::kNearest;
  ResizeCoord coord = ResizeCoord::kHalfPixel;
  ResizeNearestMode nearest = ResizeNearestMode::kRoundPreferFloor;
};

class ResizeF32 {
 public:
  static Status create(const ResizeParams& params, std::unique_ptr<ResizeF32>* out);
  const ResizeGeometry& geometry() const { return g_; }
  size_t input_size() const { return g_.batch * g_.in_image(); }
  size_t output_size() const { return g_.batch * g_.out_image(); }
  Status run(const float* x, size_t x_len, float* y, size_t y_len) const;

 private:
  ResizeF32() = default;
  ResizeGeometry g_;
  ResizeMode mode_ = ResizeMode::kNearest;
  ResizeAxisTable rows_, cols_;
};

class ResizeS8 {
 public:
  static Status create(const ResizeParams& params, const QuantParams& input,
                       const QuantParams& output, std::unique_ptr<ResizeS8>* out);
  const ResizeGeometry& geometry() const { return g_; }
  size_t input_size() const { return g_.batch * g_.in_image(); }
  size_t output_size() const { return g_.batch * g_.out_image(); }
  Status run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const;

 private:
  ResizeS8() = default;
  ResizeGeometry g_;
  ResizeMode mode_ = ResizeMode::kNearest;
  bool requantize_ = false;  // nearest with different input / output parameters
  ResizeS8Params p_;
  ResizeAxisTable rows_, cols_;
};

}  // namespace wi8
