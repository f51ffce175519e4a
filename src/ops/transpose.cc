#include "ops/transpose.h"

#include <string>

namespace wi8 {

namespace {
constexpr const char* kOp = "Transpose";
std::string s(size_t v) { return std::to_string(v); }
}  // namespace

Status Transpose::create(const Shape& input, const std::vector<int64_t>& perm,
                         std::unique_ptr<Transpose>* out) {
  const std::string where = std::string(kOp) + ": ";
  size_t size;
  WI8_RETURN_IF_ERROR(checked_elements(input, where + "input", &size));
  const size_t rank = input.size();
  std::vector<size_t> p(rank);
  if (perm.empty()) {
    for (size_t a = 0; a < rank; ++a) p[a] = rank - 1 - a;
  } else {
    if (perm.size() != rank) {
      return Status::error(where + "perm has " + s(perm.size()) + " entries, expected " + s(rank) +
                           " (the input rank)");
    }
    bool seen[kLayoutMaxRank] = {};
    for (size_t a = 0; a < rank; ++a) {
      if (perm[a] < 0 || perm[a] >= static_cast<int64_t>(rank)) {
        return Status::error(where + "perm[" + s(a) + "] = " + std::to_string(perm[a]) +
                             " is out of range for rank " + s(rank));
      }
      p[a] = static_cast<size_t>(perm[a]);
      if (seen[p[a]]) {
        return Status::error(where + "perm[" + s(a) + "] = " + s(p[a]) +
                             " repeats an axis; perm must be a permutation");
      }
      seen[p[a]] = true;
    }
  }
  std::unique_ptr<Transpose> op(new Transpose());
  op->g_.rank = rank;
  op->out_shape_.resize(rank);
  for (size_t a = 0; a < rank; ++a) {
    op->g_.in[a] = input[a];
    op->g_.perm[a] = p[a];
    op->out_shape_[a] = input[p[a]];
  }
  op->in_shape_ = input;
  op->perm_ = p;
  op->size_ = size;
  *out = std::move(op);
  return Status::ok();
}

Status Transpose::run_elements(const void* x, size_t x_len, void* y, size_t y_len,
                               size_t elem_size) const {
  if (x_len != size_) {
    return Status::error(std::string(kOp) + ": input has " + s(x_len) + " values, expected " +
                         s(size_) + " (shape " + shape_string(in_shape_) + ")");
  }
  if (y_len != size_) {
    return Status::error(std::string(kOp) + ": output has room for " + s(y_len) +
                         " values, expected " + s(size_));
  }
  transpose_tiled__wasmsimd(g_, elem_size, x, y);
  return Status::ok();
}

Status Transpose::run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const {
  return run_elements(x, x_len, y, y_len, sizeof(int8_t));
}

Status Transpose::run(const float* x, size_t x_len, float* y, size_t y_len) const {
  return run_elements(x, x_len, y, y_len, sizeof(float));
}

}  // namespace wi8
