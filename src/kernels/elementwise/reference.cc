#include <algorithm>

#include "kernels/elementwise/elementwise.h"

namespace wi8 {

void add_s8_reference(size_t n, const int8_t* a, size_t a_inc, const int8_t* b, size_t b_inc,
                      const AddS8Params& p, int8_t* y) {
  for (size_t i = 0; i < n; ++i) {
    y[i] = rescale_to_int8(a[i * a_inc] - p.a_zero_point, b[i * b_inc] - p.b_zero_point, p.rescale,
                           p.y_zero_point, p.qmin, p.qmax);
  }
}

void mul_s8_reference(size_t n, const int8_t* a, size_t a_inc, const int8_t* b, size_t b_inc,
                      const MulS8Params& p, int8_t* y) {
  for (size_t i = 0; i < n; ++i) {
    const int32_t product = (a[i * a_inc] - p.a_zero_point) * (b[i * b_inc] - p.b_zero_point);
    y[i] = requantize_to_int8(product, p.multiplier, p.shift, p.y_zero_point, p.qmin, p.qmax);
  }
}

void rescale_s8_reference(size_t n, const int8_t* x, const RescaleS8Params& p, int8_t* y) {
  for (size_t i = 0; i < n; ++i) {
    y[i] = rescale_to_int8(x[i] - p.x_zero_point, 0, p.rescale, p.y_zero_point, p.qmin, p.qmax);
  }
}

void add_f32_reference(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  for (size_t i = 0; i < n; ++i) {
    y[i] = std::min(std::max(a[i * a_inc] + b[i * b_inc], out_min), out_max);
  }
}

void mul_f32_reference(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  for (size_t i = 0; i < n; ++i) {
    y[i] = std::min(std::max(a[i * a_inc] * b[i * b_inc], out_min), out_max);
  }
}

void sub_f32_reference(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  for (size_t i = 0; i < n; ++i) {
    y[i] = std::min(std::max(a[i * a_inc] - b[i * b_inc], out_min), out_max);
  }
}

void div_f32_reference(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  for (size_t i = 0; i < n; ++i) {
    y[i] = std::min(std::max(a[i * a_inc] / b[i * b_inc], out_min), out_max);
  }
}

}  // namespace wi8
