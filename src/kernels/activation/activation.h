// Unary activations.
//
// int8: any function of one value is a 256-entry table built once from the input and output
// quantization parameters (table[q + 128] = quantize(f(dequantize(q)))), so int8 Sigmoid, Tanh,
// HardSwish, LeakyRelu, ... are exact to the rounding rule and cost one lookup per value. The table
// lookup stays scalar: a SIMD128 version needs 16 i8x16.swizzle per 16 values (V8 lowers each to
// about three x86 instructions), more work than the scalar load it replaces.
// fp32: f32x4 kernels for the piecewise-linear functions (ReLU / Clip, LeakyRelu, HardSigmoid,
// HardSwish), bit-exact with their references; Sigmoid and Tanh use the C library in both.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wi8 {

enum class UnaryKind { kRelu, kClip, kLeakyRelu, kHardSigmoid, kHardSwish, kSigmoid, kTanh, kElu };

// alpha/beta: Clip min/max; LeakyRelu / Elu alpha; HardSigmoid alpha, beta (ONNX: max(0,
// min(1, alpha * x + beta))).
struct UnaryParams {
  UnaryKind kind = UnaryKind::kRelu;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// f(x) in float, the definition every other form is checked against.
float unary_value(const UnaryParams& p, float x);

void lut_s8_reference(size_t n, const int8_t* x, const int8_t* table, int8_t* y);

void unary_f32_reference(size_t n, const float* x, const UnaryParams& p, float* y);
void unary_f32__wasmsimd(size_t n, const float* x, const UnaryParams& p, float* y);

}  // namespace wi8
