// Concat along one axis, fp32 and int8. int8 inputs whose scale / zero point differ from the
// output's are rescaled (quant.h's rescale rule, SIMD kernel); equal ones are copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "kernels/elementwise/elementwise.h"
#include "ops/shape.h"
#include "quant/quant.h"

namespace wi8 {

class Concat {
 public:
  // input_params / output: int8 quantization (ignored for fp32 runs; pass empty for fp32-only).
  static Status create(const std::vector<Shape>& inputs, size_t axis,
                       const std::vector<QuantParams>& input_params, const QuantParams& output,
                       std::unique_ptr<Concat>* out);
  const Shape& output_shape() const { return output_shape_; }
  size_t output_size() const { return output_elements_; }
  Status run_s8(const std::vector<const int8_t*>& x, const std::vector<size_t>& x_len, int8_t* y,
                size_t y_len) const;
  Status run_f32(const std::vector<const float*>& x, const std::vector<size_t>& x_len, float* y,
                 size_t y_len) const;

 private:
  Concat() = default;
  template <class T, class Copy>
  Status run(const std::vector<const T*>& x, const std::vector<size_t>& x_len, T* y, size_t y_len,
             Copy copy) const;
  Shape output_shape_;
  size_t output_elements_ = 0;
  size_t outer_ = 1;               // product of the dims before the axis
  std::vector<size_t> block_;      // per input: axis dim x inner dims
  std::vector<size_t> elements_;   // per input
  std::vector<bool> same_params_;  // per input: copy instead of rescale
  std::vector<RescaleS8Params> rescale_;
};

}  // namespace wi8
