#include "ops/softmax.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace wi8 {

namespace {
Status check_shape(size_t channels, size_t x_len, size_t y_len) {
  if (channels == 0) return Status::error("Softmax: the softmax axis has size 0");
  if (x_len % channels != 0) {
    return Status::error("Softmax: input has " + std::to_string(x_len) +
                         " values, not a multiple of the axis size " + std::to_string(channels));
  }
  if (y_len != x_len) {
    return Status::error("Softmax: output has room for " + std::to_string(y_len) +
                         " values, expected " + std::to_string(x_len));
  }
  return Status::ok();
}
}  // namespace

Status softmax_f32(size_t channels, const float* x, size_t x_len, float* y, size_t y_len) {
  WI8_RETURN_IF_ERROR(check_shape(channels, x_len, y_len));
  for (size_t r = 0; r < x_len; r += channels) {
    const float m = *std::max_element(x + r, x + r + channels);
    float sum = 0.0f;
    for (size_t c = 0; c < channels; ++c) sum += (y[r + c] = std::exp(x[r + c] - m));
    const float inv = 1.0f / sum;
    for (size_t c = 0; c < channels; ++c) y[r + c] *= inv;
  }
  return Status::ok();
}

Status SoftmaxS8::create(size_t channels, const QuantParams& input,
                         std::unique_ptr<SoftmaxS8>* out) {
  if (channels == 0) return Status::error("Softmax: the softmax axis has size 0");
  WI8_RETURN_IF_ERROR(validate_int8_params(input, "Softmax: input"));
  std::unique_ptr<SoftmaxS8> op(new SoftmaxS8());
  op->channels_ = channels;
  for (int d = 0; d < 256; ++d) op->exp_table_[d] = std::exp(-input.scale * static_cast<float>(d));
  *out = std::move(op);
  return Status::ok();
}

Status SoftmaxS8::check(size_t x_len, size_t y_len) const {
  return check_shape(channels_, x_len, y_len);
}

Status SoftmaxS8::run_f32(const int8_t* x, size_t x_len, float* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check(x_len, y_len));
  for (size_t r = 0; r < x_len; r += channels_) {
    const int32_t m = *std::max_element(x + r, x + r + channels_);
    float sum = 0.0f;
    for (size_t c = 0; c < channels_; ++c) sum += (y[r + c] = exp_table_[m - x[r + c]]);
    const float inv = 1.0f / sum;
    for (size_t c = 0; c < channels_; ++c) y[r + c] *= inv;
  }
  return Status::ok();
}

Status SoftmaxS8::run_s8(const int8_t* x, size_t x_len, const QuantParams& output, int8_t* y,
                         size_t y_len) const {
  WI8_RETURN_IF_ERROR(check(x_len, y_len));
  WI8_RETURN_IF_ERROR(validate_int8_params(output, "Softmax: output"));
  for (size_t r = 0; r < x_len; r += channels_) {
    const int32_t m = *std::max_element(x + r, x + r + channels_);
    float sum = 0.0f;
    for (size_t c = 0; c < channels_; ++c) sum += exp_table_[m - x[r + c]];
    const float inv = 1.0f / sum;
    for (size_t c = 0; c < channels_; ++c) {
      y[r + c] = quantize_value(exp_table_[m - x[r + c]] * inv, output.scale, output.zero_point);
    }
  }
  return Status::ok();
}

}  // namespace wi8
