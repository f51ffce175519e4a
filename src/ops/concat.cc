#include "ops/concat.h"

#include <cstring>
#include <string>

namespace wi8 {

Status Concat::create(const std::vector<Shape>& inputs, size_t axis,
                      const std::vector<QuantParams>& input_params, const QuantParams& output,
                      std::unique_ptr<Concat>* out) {
  if (inputs.empty()) return Status::error("Concat: needs at least one input");
  const Shape& first = inputs[0];
  if (axis >= first.size()) {
    return Status::error("Concat: axis " + std::to_string(axis) + " is out of range for rank " +
                         std::to_string(first.size()));
  }
  if (!input_params.empty() && input_params.size() != inputs.size()) {
    return Status::error("Concat: " + std::to_string(input_params.size()) +
                         " quantization parameters for " + std::to_string(inputs.size()) +
                         " inputs");
  }
  std::unique_ptr<Concat> op(new Concat());
  op->output_shape_ = first;
  op->output_shape_[axis] = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Shape& s = inputs[i];
    if (s.size() != first.size()) {
      return Status::error("Concat: input " + std::to_string(i) + " has rank " +
                           std::to_string(s.size()) + ", input 0 has " +
                           std::to_string(first.size()));
    }
    for (size_t d = 0; d < s.size(); ++d) {
      if (d != axis && s[d] != first[d]) {
        return Status::error("Concat: input " + std::to_string(i) + " shape " + shape_string(s) +
                             " differs from input 0 " + shape_string(first) + " on axis " +
                             std::to_string(d));
      }
    }
    size_t n = 0;
    WI8_RETURN_IF_ERROR(checked_elements(s, "Concat: input " + std::to_string(i), &n));
    op->elements_.push_back(n);
    op->output_shape_[axis] += s[axis];
  }
  WI8_RETURN_IF_ERROR(checked_elements(op->output_shape_, "Concat: output", &op->output_elements_));
  size_t inner = 1;
  for (size_t d = axis + 1; d < first.size(); ++d) inner *= first[d];
  for (size_t d = 0; d < axis; ++d) op->outer_ *= first[d];
  for (const Shape& s : inputs) op->block_.push_back(s[axis] * inner);

  if (!input_params.empty()) {
    WI8_RETURN_IF_ERROR(validate_int8_params(output, "Concat: output"));
    for (size_t i = 0; i < inputs.size(); ++i) {
      const QuantParams& q = input_params[i];
      const std::string what = "Concat: input " + std::to_string(i);
      WI8_RETURN_IF_ERROR(validate_int8_params(q, what.c_str()));
      op->same_params_.push_back(q.scale == output.scale && q.zero_point == output.zero_point);
      RescaleS8Params r;
      const double real = static_cast<double>(q.scale) / output.scale;
      Status s = compute_rescale(&real, 1, &r.rescale);
      if (!s.is_ok()) return Status::error(what + ": " + s.message());
      r.x_zero_point = q.zero_point;
      r.y_zero_point = output.zero_point;
      op->rescale_.push_back(r);
    }
  }
  *out = std::move(op);
  return Status::ok();
}

template <class T, class Copy>
Status Concat::run(const std::vector<const T*>& x, const std::vector<size_t>& x_len, T* y,
                   size_t y_len, Copy copy) const {
  if (x.size() != block_.size() || x_len.size() != block_.size()) {
    return Status::error("Concat: got " + std::to_string(x.size()) + " inputs, expected " +
                         std::to_string(block_.size()));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (x_len[i] != elements_[i]) {
      return Status::error("Concat: input " + std::to_string(i) + " has " +
                           std::to_string(x_len[i]) + " values, expected " +
                           std::to_string(elements_[i]));
    }
  }
  if (y_len != output_elements_) {
    return Status::error("Concat: output has room for " + std::to_string(y_len) +
                         " values, expected " + std::to_string(output_elements_));
  }
  for (size_t o = 0; o < outer_; ++o) {
    for (size_t i = 0; i < x.size(); ++i) {
      copy(i, x[i] + o * block_[i], block_[i], y);
      y += block_[i];
    }
  }
  return Status::ok();
}

Status Concat::run_s8(const std::vector<const int8_t*>& x, const std::vector<size_t>& x_len,
                      int8_t* y, size_t y_len) const {
  if (rescale_.empty()) return Status::error("Concat: created without int8 parameters");
  return run(x, x_len, y, y_len, [this](size_t i, const int8_t* src, size_t n, int8_t* dst) {
    if (same_params_[i]) {
      std::memcpy(dst, src, n);
    } else {
      rescale_s8__wasmsimd(n, src, rescale_[i], dst);
    }
  });
}

Status Concat::run_f32(const std::vector<const float*>& x, const std::vector<size_t>& x_len,
                       float* y, size_t y_len) const {
  return run(x, x_len, y, y_len, [](size_t, const float* src, size_t n, float* dst) {
    std::memcpy(dst, src, n * sizeof(float));
  });
}

}  // namespace wi8
