// Softmax over the last axis of a [rows x channels] view, fp32 -> fp32 and int8 -> fp32 / int8.
//
// int8 input: d = max(row) - q is in [0, 255], so exp(-input_scale * d) comes from a 256-entry
// float table built once; the row sum and the division are in float. int8 output uses the output
// params (TFLite's convention is scale 1/256, zero point -128). The loops are scalar: the cost is
// one table lookup and one division per value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/status.h"
#include "quant/quant.h"

namespace wi8 {

class SoftmaxS8 {
 public:
  static Status create(size_t channels, const QuantParams& input, std::unique_ptr<SoftmaxS8>* out);
  Status run_f32(const int8_t* x, size_t x_len, float* y, size_t y_len) const;
  Status run_s8(const int8_t* x, size_t x_len, const QuantParams& output, int8_t* y,
                size_t y_len) const;

 private:
  SoftmaxS8() = default;
  Status check(size_t x_len, size_t y_len) const;
  size_t channels_ = 0;
  float exp_table_[256] = {};
};

// Reference softmax in fp32 (max-subtracted), the oracle for the int8 one.
Status softmax_f32(size_t channels, const float* x, size_t x_len, float* y, size_t y_len);

}  // namespace wi8
