#include "kernels/quantize/quantize.h"
#include "quant/quant.h"

namespace wi8 {

void quantize_f32_s8_reference(size_t n, const float* x, float scale, int32_t zero_point,
                               int8_t* y) {
  for (size_t i = 0; i < n; ++i) y[i] = quantize_value(x[i], scale, zero_point);
}

void dequantize_s8_f32_reference(size_t n, const int8_t* x, float scale, int32_t zero_point,
                                 float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = dequantize_value(x[i], scale, zero_point);
}

}  // namespace wi8
