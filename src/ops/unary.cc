#include "ops/unary.h"

#include <cmath>
#include <string>

namespace wi8 {

namespace {
Status check_len(const char* op, size_t x_len, size_t y_len) {
  if (x_len != y_len) {
    return Status::error(std::string(op) + ": output has room for " + std::to_string(y_len) +
                         " values, input has " + std::to_string(x_len));
  }
  return Status::ok();
}
}  // namespace

Status validate_unary(const UnaryParams& p, const char* op) {
  if (!std::isfinite(p.alpha) && p.kind != UnaryKind::kClip) {
    return Status::error(std::string(op) + ": alpha must be finite");
  }
  if (p.kind == UnaryKind::kClip &&
      (std::isnan(p.alpha) || std::isnan(p.beta) || p.alpha > p.beta)) {
    return Status::error(std::string(op) + ": Clip needs min <= max");
  }
  if (p.kind == UnaryKind::kHardSigmoid && !std::isfinite(p.beta)) {
    return Status::error(std::string(op) + ": beta must be finite");
  }
  return Status::ok();
}

Status UnaryS8::create(const UnaryParams& p, const QuantParams& input, const QuantParams& output,
                       std::unique_ptr<UnaryS8>* out) {
  WI8_RETURN_IF_ERROR(validate_unary(p, "activation"));
  WI8_RETURN_IF_ERROR(validate_int8_params(input, "activation: input"));
  WI8_RETURN_IF_ERROR(validate_int8_params(output, "activation: output"));
  std::unique_ptr<UnaryS8> op(new UnaryS8());
  for (int q = -128; q <= 127; ++q) {
    const float x = dequantize_value(static_cast<int8_t>(q), input.scale, input.zero_point);
    op->table_[q + 128] = quantize_value(unary_value(p, x), output.scale, output.zero_point);
  }
  *out = std::move(op);
  return Status::ok();
}

Status UnaryS8::run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_len("activation", x_len, y_len));
  lut_s8_reference(x_len, x, table_, y);
  return Status::ok();
}

Status UnaryF32::create(const UnaryParams& p, std::unique_ptr<UnaryF32>* out) {
  WI8_RETURN_IF_ERROR(validate_unary(p, "activation"));
  std::unique_ptr<UnaryF32> op(new UnaryF32());
  op->params_ = p;
  *out = std::move(op);
  return Status::ok();
}

Status UnaryF32::run(const float* x, size_t x_len, float* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_len("activation", x_len, y_len));
  unary_f32__wasmsimd(x_len, x, params_, y);
  return Status::ok();
}

}  // namespace wi8
