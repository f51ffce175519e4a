// Elementwise float <-> int8 conversion kernels (QuantizeLinear / DequantizeLinear).
//
// Each kernel has a scalar reference (the oracle, obviously right) and a WebAssembly SIMD128
// variant that must be bit-exact with it. In native builds the SIMD variant falls back to the
// reference.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wi8 {

// y[i] = quantize_value(x[i], scale, zero_point): float32 division, round half to even, saturate.
void quantize_f32_s8_reference(size_t n, const float* x, float scale, int32_t zero_point,
                               int8_t* y);
void quantize_f32_s8__wasmsimd(size_t n, const float* x, float scale, int32_t zero_point,
                               int8_t* y);

// y[i] = (x[i] - zero_point) * scale, in float32.
void dequantize_s8_f32_reference(size_t n, const int8_t* x, float scale, int32_t zero_point,
                                 float* y);
void dequantize_s8_f32__wasmsimd(size_t n, const int8_t* x, float scale, int32_t zero_point,
                                 float* y);

}  // namespace wi8
