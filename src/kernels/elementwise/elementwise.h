// Elementwise binary kernels (Add, Mul) and the int8 rescale (Requantize, Concat inputs).
//
// Binary kernels read a[i * a_inc] and b[i * b_inc] with inc 0 (a broadcast scalar) or 1; the ops
// turn any numpy-style broadcast into runs of these (ops/broadcast.h).
// int8 rules: Add and rescale use quant.h's rescale_to_int8 (exact in int32); Mul multiplies the
// zero-point-free operands (exact, |product| <= 65025) and requantizes with quant.h's requantize.
// fp32: the clamp is max then min with std::max / std::min semantics (f32x4.pmax / pmin).
#pragma once

#include <cstddef>
#include <cstdint>

#include "quant/quant.h"

namespace wi8 {

struct AddS8Params {
  Rescale rescale;  // multiplier[0] for a, [1] for b
  int32_t a_zero_point = 0, b_zero_point = 0, y_zero_point = 0;
  int8_t qmin = -128, qmax = 127;
};

struct MulS8Params {
  int32_t multiplier = 0;  // a_scale * b_scale / y_scale, fixed point with `shift`
  int shift = 31;
  int32_t a_zero_point = 0, b_zero_point = 0, y_zero_point = 0;
  int8_t qmin = -128, qmax = 127;
};

// One input, new scale: y = rescale_to_int8(x - x_zero_point, 0, ...). multiplier[1] unused.
struct RescaleS8Params {
  Rescale rescale;
  int32_t x_zero_point = 0, y_zero_point = 0;
  int8_t qmin = -128, qmax = 127;
};

void add_s8_reference(size_t n, const int8_t* a, size_t a_inc, const int8_t* b, size_t b_inc,
                      const AddS8Params& p, int8_t* y);
void add_s8__wasmsimd(size_t n, const int8_t* a, size_t a_inc, const int8_t* b, size_t b_inc,
                      const AddS8Params& p, int8_t* y);
void mul_s8_reference(size_t n, const int8_t* a, size_t a_inc, const int8_t* b, size_t b_inc,
                      const MulS8Params& p, int8_t* y);
void mul_s8__wasmsimd(size_t n, const int8_t* a, size_t a_inc, const int8_t* b, size_t b_inc,
                      const MulS8Params& p, int8_t* y);
void rescale_s8_reference(size_t n, const int8_t* x, const RescaleS8Params& p, int8_t* y);
void rescale_s8__wasmsimd(size_t n, const int8_t* x, const RescaleS8Params& p, int8_t* y);

void add_f32_reference(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y);
void add_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y);
void mul_f32_reference(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y);
void mul_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y);
void sub_f32_reference(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y);
void sub_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y);
void div_f32_reference(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y);
void div_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y);

}  // namespace wi8
