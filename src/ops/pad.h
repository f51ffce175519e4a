// Pad (ONNX), N-d, int8 and fp32: per-axis begin / end pads >= 0; modes constant, reflect and edge
// (numpy.pad's semantics, as in the ONNX reference: see kernels/layout/layout.h). reflect and edge
// need a non-empty axis where they pad.
//
// int8: the output has the input's scale and zero point, and the constant is quantized with them:
// quantize_value(value, scale, zero_point), so 0.0 maps to the zero point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "kernels/layout/layout.h"
#include "ops/shape.h"
#include "quant/quant.h"

namespace wi8 {

struct PadParams {
  Shape input;
  std::vector<int64_t> pads_begin, pads_end;  // one per axis
  PadMode mode = PadMode::kConstant;
  float value = 0.0f;  // constant mode
};

class PadF32 {
 public:
  static Status create(const PadParams& params, std::unique_ptr<PadF32>* out);
  const Shape& output_shape() const { return out_shape_; }
  size_t input_size() const { return in_size_; }
  size_t output_size() const { return out_size_; }
  Status run(const float* x, size_t x_len, float* y, size_t y_len) const;

 private:
  PadF32() = default;
  PadGeometry g_;
  Shape out_shape_;
  size_t in_size_ = 0, out_size_ = 0;
  PadMode mode_ = PadMode::kConstant;
  float value_ = 0.0f;
};

class PadS8 {
 public:
  // q: the input's (and output's) quantization parameters.
  static Status create(const PadParams& params, const QuantParams& q, std::unique_ptr<PadS8>* out);
  const Shape& output_shape() const { return out_shape_; }
  size_t input_size() const { return in_size_; }
  size_t output_size() const { return out_size_; }
  int8_t quantized_value() const { return value_; }
  Status run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const;

 private:
  PadS8() = default;
  PadGeometry g_;
  Shape out_shape_;
  size_t in_size_ = 0, out_size_ = 0;
  PadMode mode_ = PadMode::kConstant;
  int8_t value_ = 0;
};

}  // namespace wi8
