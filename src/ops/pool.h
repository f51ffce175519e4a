// Pooling ops, NHWC, int8 and fp32: MaxPool2D, AveragePool2D, GlobalAveragePool (= ReduceMean over
// H and W). Window semantics, the ceil_mode output size and the int8 rounding rules are stated in
// kernels/pool/pool.h.
//
// - MaxPool2D int8: the output has the input's scale and zero point (max commutes with the
//   monotonic dequantization, so no requantization happens). A graph whose MaxPool output has other
//   parameters needs a requantize after it.
// - AveragePool2D int8 and GlobalAveragePool int8 requantize to the output's parameters, which may
//   differ from the input's.
//
// create() validates once and prepares (requantization tables); run() checks buffer lengths only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "kernels/pool/pool.h"
#include "ops/shape.h"
#include "quant/quant.h"

namespace wi8 {

// Checks every field (batch, sizes, channels, kernel, stride, dilation >= 1; the padded input
// covers the dilated kernel; every window covers at least one input pixel; element counts bounded)
// and computes out_h / out_w. `op` names the op in error messages.
Status validate_pool2d(const char* op, Pool2DGeometry* g);

class MaxPool2DS8 {
 public:
  static Status create(const Pool2DGeometry& geometry, std::unique_ptr<MaxPool2DS8>* out);
  const Pool2DGeometry& geometry() const { return g_; }
  size_t input_size() const { return g_.batch * g_.in_image(); }
  size_t output_size() const { return g_.batch * g_.out_image(); }
  Status run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const;

 private:
  MaxPool2DS8() = default;
  Pool2DGeometry g_;
};

class MaxPool2DF32 {
 public:
  static Status create(const Pool2DGeometry& geometry, std::unique_ptr<MaxPool2DF32>* out);
  const Pool2DGeometry& geometry() const { return g_; }
  size_t input_size() const { return g_.batch * g_.in_image(); }
  size_t output_size() const { return g_.batch * g_.out_image(); }
  Status run(const float* x, size_t x_len, float* y, size_t y_len) const;

 private:
  MaxPool2DF32() = default;
  Pool2DGeometry g_;
};

struct AveragePool2DParams {
  Pool2DGeometry geometry;  // out_h / out_w are computed by create()
  // ONNX count_include_pad: padding taps count in the divisor (never ceil_mode's overhang).
  bool count_include_pad = false;
};

class AveragePool2DS8 {
 public:
  static Status create(const AveragePool2DParams& params, const QuantParams& input,
                       const QuantParams& output, std::unique_ptr<AveragePool2DS8>* out);
  const Pool2DGeometry& geometry() const { return g_; }
  size_t input_size() const { return g_.batch * g_.in_image(); }
  size_t output_size() const { return g_.batch * g_.out_image(); }
  Status run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const;

 private:
  AveragePool2DS8() = default;
  Pool2DGeometry g_;
  AvgPoolS8Params p_;
  std::vector<int32_t> multiplier_, shift_;  // indexed by the divisor
};

class AveragePool2DF32 {
 public:
  static Status create(const AveragePool2DParams& params, std::unique_ptr<AveragePool2DF32>* out);
  const Pool2DGeometry& geometry() const { return g_; }
  size_t input_size() const { return g_.batch * g_.in_image(); }
  size_t output_size() const { return g_.batch * g_.out_image(); }
  Status run(const float* x, size_t x_len, float* y, size_t y_len) const;

 private:
  AveragePool2DF32() = default;
  Pool2DGeometry g_;
  bool count_include_pad_ = false;
};

// Input NHWC [batch, height, width, channels]; output [batch, 1, 1, channels] (keep_dims, ONNX
// GlobalAveragePool and ReduceMean keepdims=1) or [batch, channels]: the same values either way.
struct GlobalAveragePoolParams {
  size_t batch = 1, height = 0, width = 0, channels = 0;
  bool keep_dims = true;
};

class GlobalAveragePoolS8 {
 public:
  static Status create(const GlobalAveragePoolParams& params, const QuantParams& input,
                       const QuantParams& output, std::unique_ptr<GlobalAveragePoolS8>* out);
  Shape output_shape() const;
  size_t input_size() const { return p_.batch * p_.height * p_.width * p_.channels; }
  size_t output_size() const { return p_.batch * p_.channels; }
  Status run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const;

 private:
  GlobalAveragePoolS8() = default;
  GlobalAveragePoolParams p_;
  GlobalAvgPoolS8Params q_;
};

class GlobalAveragePoolF32 {
 public:
  static Status create(const GlobalAveragePoolParams& params,
                       std::unique_ptr<GlobalAveragePoolF32>* out);
  Shape output_shape() const;
  size_t input_size() const { return p_.batch * p_.height * p_.width * p_.channels; }
  size_t output_size() const { return p_.batch * p_.channels; }
  Status run(const float* x, size_t x_len, float* y, size_t y_len) const;

 private:
  GlobalAveragePoolF32() = default;
  GlobalAveragePoolParams p_;
};

}  // namespace wi8
