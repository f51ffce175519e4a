#include "ops/pad.h"

#include <string>

namespace wi8 {

namespace {

constexpr const char* kOp = "Pad";

std::string s(size_t v) { return std::to_string(v); }

Status validate_pad(const PadParams& p, PadGeometry* g, Shape* out_shape, size_t* in_size,
                    size_t* out_size) {
  const std::string where = std::string(kOp) + ": ";
  WI8_RETURN_IF_ERROR(checked_elements(p.input, where + "input", in_size));
  const size_t rank = p.input.size();
  const struct {
    const char* name;
    const std::vector<int64_t>& pads;
  } lists[] = {{"pads_begin", p.pads_begin}, {"pads_end", p.pads_end}};
  for (const auto& l : lists) {
    if (l.pads.size() != rank) {
      return Status::error(where + l.name + " has " + s(l.pads.size()) + " entries, expected " +
                           s(rank) + " (the input rank)");
    }
    for (size_t a = 0; a < rank; ++a) {
      if (l.pads[a] < 0) {
        return Status::error(where + l.name + "[" + s(a) + "] is " + std::to_string(l.pads[a]) +
                             "; pads must be >= 0");
      }
      if (static_cast<uint64_t>(l.pads[a]) > kMaxElements) {
        return Status::error(where + l.name + "[" + s(a) + "] is " + std::to_string(l.pads[a]) +
                             "; pads must be <= " + s(kMaxElements));
      }
    }
  }
  g->rank = rank;
  out_shape->resize(rank);
  for (size_t a = 0; a < rank; ++a) {
    const size_t n = p.input[a];
    const size_t b = static_cast<size_t>(p.pads_begin[a]), e = static_cast<size_t>(p.pads_end[a]);
    if (p.mode != PadMode::kConstant && n == 0 && (b > 0 || e > 0)) {
      return Status::error(where + (p.mode == PadMode::kEdge ? "edge" : "reflect") +
                           " padding of axis " + s(a) + " needs a non-empty axis");
    }
    g->in[a] = n;
    g->begin[a] = b;
    g->end[a] = e;
    (*out_shape)[a] = g->out(a);
  }
  return checked_elements(*out_shape, where + "output", out_size);
}

Status check_lengths(size_t x_len, size_t x_expected, const Shape& in, size_t y_len,
                     size_t y_expected) {
  if (x_len != x_expected) {
    return Status::error(std::string(kOp) + ": input has " + s(x_len) + " values, expected " +
                         s(x_expected) + " (shape " + shape_string(in) + ")");
  }
  if (y_len != y_expected) {
    return Status::error(std::string(kOp) + ": output has room for " + s(y_len) +
                         " values, expected " + s(y_expected));
  }
  return Status::ok();
}

Shape input_shape(const PadGeometry& g) { return Shape(g.in, g.in + g.rank); }

}  // namespace

Status PadF32::create(const PadParams& params, std::unique_ptr<PadF32>* out) {
  std::unique_ptr<PadF32> op(new PadF32());
  WI8_RETURN_IF_ERROR(
      validate_pad(params, &op->g_, &op->out_shape_, &op->in_size_, &op->out_size_));
  op->mode_ = params.mode;
  op->value_ = params.value;
  *out = std::move(op);
  return Status::ok();
}

Status PadF32::run(const float* x, size_t x_len, float* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_lengths(x_len, in_size_, input_shape(g_), y_len, out_size_));
  pad_rows__wasmsimd(g_, mode_, sizeof(float), &value_, x, y);
  return Status::ok();
}

Status PadS8::create(const PadParams& params, const QuantParams& q, std::unique_ptr<PadS8>* out) {
  std::unique_ptr<PadS8> op(new PadS8());
  WI8_RETURN_IF_ERROR(
      validate_pad(params, &op->g_, &op->out_shape_, &op->in_size_, &op->out_size_));
  WI8_RETURN_IF_ERROR(validate_int8_params(q, "Pad: input"));
  op->mode_ = params.mode;
  op->value_ = quantize_value(params.value, q.scale, q.zero_point);
  *out = std::move(op);
  return Status::ok();
}

Status PadS8::run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_lengths(x_len, in_size_, input_shape(g_), y_len, out_size_));
  pad_rows__wasmsimd(g_, mode_, sizeof(int8_t), &value_, x, y);
  return Status::ok();
}

}  // namespace wi8
