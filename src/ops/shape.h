// Tensor shapes for the ops that work on any rank (elementwise with broadcasting, pad, transpose,
// concat, ...). Layout is row-major; image tensors are NHWC.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"

namespace wi8 {

using Shape = std::vector<size_t>;

// Largest rank and element count an op accepts; keeps index arithmetic in size_t on wasm32.
constexpr size_t kMaxRank = 8;
constexpr size_t kMaxElements = size_t{1} << 30;

// Element count of `shape`, or an error naming `what` if the rank or the count exceeds the limits.
inline Status checked_elements(const Shape& shape, const std::string& what, size_t* count) {
  if (shape.size() > kMaxRank) {
    return Status::error(what + ": rank " + std::to_string(shape.size()) + " exceeds " +
                         std::to_string(kMaxRank));
  }
  size_t n = 1;
  for (size_t d : shape) {
    if (d != 0 && n > kMaxElements / d) {
      return Status::error(what + ": more than " + std::to_string(kMaxElements) + " elements");
    }
    n *= d;
  }
  *count = n;
  return Status::ok();
}

inline std::string shape_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace wi8
