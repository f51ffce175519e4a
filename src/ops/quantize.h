// QuantizeLinear (fp32 -> int8), DequantizeLinear (int8 -> fp32) and Requantize (int8 -> int8 with
// new parameters) on tensors of any shape, per-tensor parameters.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "kernels/elementwise/elementwise.h"
#include "quant/quant.h"

namespace wi8 {

Status quantize_tensor(const float* x, size_t x_len, const QuantParams& p, int8_t* y, size_t y_len);
Status dequantize_tensor(const int8_t* x, size_t x_len, const QuantParams& p, float* y,
                         size_t y_len);

class Requantize {
 public:
  static Status create(const QuantParams& input, const QuantParams& output, Requantize* out);
  Status run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const;

 private:
  RescaleS8Params params_;
};

}  // namespace wi8
