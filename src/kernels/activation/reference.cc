#include <algorithm>
#include <cmath>

#include "kernels/activation/activation.h"

namespace wi8 {

float unary_value(const UnaryParams& p, float x) {
  switch (p.kind) {
    case UnaryKind::kRelu:
      return std::max(x, 0.0f);
    case UnaryKind::kClip:
      return std::min(std::max(x, p.alpha), p.beta);
    case UnaryKind::kLeakyRelu:
      return x < 0.0f ? x * p.alpha : x;
    case UnaryKind::kHardSigmoid:
      return std::min(std::max(x * p.alpha + p.beta, 0.0f), 1.0f);
    case UnaryKind::kHardSwish:  // x * relu6(x + 3) / 6, ONNX: x * HardSigmoid(alpha 1/6, beta 0.5)
      return x * std::min(std::max(x * (1.0f / 6.0f) + 0.5f, 0.0f), 1.0f);
    case UnaryKind::kSigmoid:
      return 1.0f / (1.0f + std::exp(-x));
    case UnaryKind::kTanh:
      return std::tanh(x);
    case UnaryKind::kElu:
      return x < 0.0f ? p.alpha * (std::exp(x) - 1.0f) : x;
  }
  return x;
}

void lut_s8_reference(size_t n, const int8_t* x, const int8_t* table, int8_t* y) {
  for (size_t i = 0; i < n; ++i) y[i] = table[x[i] + 128];
}

void unary_f32_reference(size_t n, const float* x, const UnaryParams& p, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = unary_value(p, x[i]);
}

}  // namespace wi8
