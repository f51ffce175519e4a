#include "ops/quantize.h"

#include <string>

#include "kernels/quantize/quantize.h"

namespace wi8 {

namespace {
Status check_len(const char* op, size_t x_len, size_t y_len) {
  if (x_len == y_len) return Status::ok();
  return Status::error(std::string(op) + ": output has room for " + std::to_string(y_len) +
                       " values, input has " + std::to_string(x_len));
}
}  // namespace

Status quantize_tensor(const float* x, size_t x_len, const QuantParams& p, int8_t* y,
                       size_t y_len) {
  WI8_RETURN_IF_ERROR(validate_int8_params(p, "QuantizeLinear"));
  WI8_RETURN_IF_ERROR(check_len("QuantizeLinear", x_len, y_len));
  quantize_f32_s8__wasmsimd(x_len, x, p.scale, p.zero_point, y);
  return Status::ok();
}

Status dequantize_tensor(const int8_t* x, size_t x_len, const QuantParams& p, float* y,
                         size_t y_len) {
  WI8_RETURN_IF_ERROR(validate_int8_params(p, "DequantizeLinear"));
  WI8_RETURN_IF_ERROR(check_len("DequantizeLinear", x_len, y_len));
  dequantize_s8_f32__wasmsimd(x_len, x, p.scale, p.zero_point, y);
  return Status::ok();
}

Status Requantize::create(const QuantParams& input, const QuantParams& output, Requantize* out) {
  WI8_RETURN_IF_ERROR(validate_int8_params(input, "Requantize: input"));
  WI8_RETURN_IF_ERROR(validate_int8_params(output, "Requantize: output"));
  const double real = static_cast<double>(input.scale) / output.scale;
  Status s = compute_rescale(&real, 1, &out->params_.rescale);
  if (!s.is_ok()) return Status::error("Requantize: " + s.message());
  out->params_.x_zero_point = input.zero_point;
  out->params_.y_zero_point = output.zero_point;
  return Status::ok();
}

Status Requantize::run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_len("Requantize", x_len, y_len));
  rescale_s8__wasmsimd(x_len, x, params_, y);
  return Status::ok();
}

}  // namespace wi8
