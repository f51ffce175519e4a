// Add and Mul, int8 and fp32, with numpy-style broadcasting and a fused activation clamp.
// int8 inputs may have different scales and zero points; the output has its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/status.h"
#include "kernels/elementwise/elementwise.h"
#include "ops/broadcast.h"
#include "quant/quant.h"

namespace wi8 {

// Sub and Div are fp32 only (BinaryS8 rejects them).
enum class BinaryOpKind { kAdd, kMul, kSub, kDiv };

class BinaryS8 {
 public:
  static Status create(BinaryOpKind kind, const Shape& a_shape, const QuantParams& a,
                       const Shape& b_shape, const QuantParams& b, const QuantParams& output,
                       const Activation& activation, std::unique_ptr<BinaryS8>* out);
  const Shape& output_shape() const { return plan_.output; }
  size_t output_size() const { return plan_.output_elements; }
  Status run(const int8_t* a, size_t a_len, const int8_t* b, size_t b_len, int8_t* y,
             size_t y_len) const;

 private:
  BinaryS8() = default;
  BinaryOpKind kind_ = BinaryOpKind::kAdd;
  size_t a_elements_ = 0, b_elements_ = 0;
  BroadcastPlan plan_;
  AddS8Params add_;
  MulS8Params mul_;
};

class BinaryF32 {
 public:
  static Status create(BinaryOpKind kind, const Shape& a_shape, const Shape& b_shape,
                       const Activation& activation, std::unique_ptr<BinaryF32>* out);
  const Shape& output_shape() const { return plan_.output; }
  size_t output_size() const { return plan_.output_elements; }
  Status run(const float* a, size_t a_len, const float* b, size_t b_len, float* y,
             size_t y_len) const;

 private:
  BinaryF32() = default;
  BinaryOpKind kind_ = BinaryOpKind::kAdd;
  size_t a_elements_ = 0, b_elements_ = 0;
  BroadcastPlan plan_;
  float min_ = 0, max_ = 0;
};

}  // namespace wi8
