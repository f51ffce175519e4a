// Transpose (ONNX), any rank <= kMaxRank, int8 and fp32 (the kernel moves elements of any size;
// int8 values keep their quantization parameters).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "kernels/layout/layout.h"
#include "ops/shape.h"

namespace wi8 {

class Transpose {
 public:
  // Output axis i is input axis perm[i]. An empty perm reverses the axes (ONNX's default).
  // perm must be a permutation of 0 .. rank - 1.
  static Status create(const Shape& input, const std::vector<int64_t>& perm,
                       std::unique_ptr<Transpose>* out);
  const Shape& output_shape() const { return out_shape_; }
  const std::vector<size_t>& perm() const { return perm_; }
  size_t size() const { return size_; }  // elements, the same in and out
  Status run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const;
  Status run(const float* x, size_t x_len, float* y, size_t y_len) const;

 private:
  Transpose() = default;
  Status run_elements(const void* x, size_t x_len, void* y, size_t y_len, size_t elem_size) const;
  TransposeGeometry g_;
  Shape in_shape_, out_shape_;
  std::vector<size_t> perm_;
  size_t size_ = 0;
};

}  // namespace wi8
