// Unary activation ops (Relu, Clip, LeakyRelu, HardSigmoid, HardSwish, Sigmoid, Tanh, Elu) on
// tensors of any shape: int8 through a 256-entry table, fp32 through f32x4 kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/status.h"
#include "kernels/activation/activation.h"
#include "quant/quant.h"

namespace wi8 {

class UnaryS8 {
 public:
  // The table maps every int8 input to quantize(f(dequantize(q))) with the output's params.
  static Status create(const UnaryParams& p, const QuantParams& input, const QuantParams& output,
                       std::unique_ptr<UnaryS8>* out);
  Status run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const;
  const int8_t* table() const { return table_; }

 private:
  UnaryS8() = default;
  int8_t table_[256] = {};
};

class UnaryF32 {
 public:
  static Status create(const UnaryParams& p, std::unique_ptr<UnaryF32>* out);
  Status run(const float* x, size_t x_len, float* y, size_t y_len) const;

 private:
  UnaryF32() = default;
  UnaryParams params_;
};

// Checks the kind's parameters (Clip min <= max, finite alphas, ...); `op` prefixes the message.
Status validate_unary(const UnaryParams& p, const char* op);

}  // namespace wi8
