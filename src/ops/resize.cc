#include "ops/resize.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "ops/conv_params.h"
#include "ops/shape.h"

namespace wi8 {

namespace {

constexpr const char* kOp = "Resize";

std::string s(size_t v) { return std::to_string(v); }

std::string num(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

Status validate_resize(const ResizeParams& p, ResizeGeometry* g) {
  const std::string where = std::string(kOp) + ": ";
  const struct {
    const char* name;
    size_t value;
  } dims[] = {{"batch", p.batch},       {"input height", p.in_h},   {"input width", p.in_w},
              {"channels", p.channels}, {"output height", p.out_h}, {"output width", p.out_w}};
  for (const auto& d : dims) {
    if (d.value == 0) return Status::error(where + d.name + " must be >= 1, got 0");
    if (d.value > kMaxConvDim) {
      return Status::error(where + d.name + " " + s(d.value) + " exceeds " + s(kMaxConvDim));
    }
  }
  const struct {
    const char* name;
    float value;
  } scales[] = {{"scale_h", p.scale_h}, {"scale_w", p.scale_w}};
  for (const auto& sc : scales) {
    if (!(std::isfinite(sc.value) && sc.value >= 0.0f)) {
      return Status::error(where + sc.name +
                           " must be 0 (sizes given) or a finite number > 0, got " + num(sc.value));
    }
  }
  size_t n;
  WI8_RETURN_IF_ERROR(checked_elements({p.batch, p.in_h, p.in_w, p.channels}, where + "input", &n));
  WI8_RETURN_IF_ERROR(
      checked_elements({p.batch, p.out_h, p.out_w, p.channels}, where + "output", &n));
  g->batch = p.batch;
  g->in_h = p.in_h;
  g->in_w = p.in_w;
  g->channels = p.channels;
  g->out_h = p.out_h;
  g->out_w = p.out_w;
  g->scale_h = p.scale_h > 0.0f ? static_cast<double>(p.scale_h)
                                : static_cast<double>(p.out_h) / static_cast<double>(p.in_h);
  g->scale_w = p.scale_w > 0.0f ? static_cast<double>(p.scale_w)
                                : static_cast<double>(p.out_w) / static_cast<double>(p.in_w);
  g->coord = p.coord;
  return Status::ok();
}

void make_tables(const ResizeParams& p, const ResizeGeometry& g, ResizeAxisTable* rows,
                 ResizeAxisTable* cols) {
  if (p.mode == ResizeMode::kNearest) {
    *rows = resize_nearest_table(p.nearest, g.coord, g.in_h, g.out_h, g.scale_h);
    *cols = resize_nearest_table(p.nearest, g.coord, g.in_w, g.out_w, g.scale_w);
  } else {
    *rows = resize_linear_table(g.coord, g.in_h, g.out_h, g.scale_h);
    *cols = resize_linear_table(g.coord, g.in_w, g.out_w, g.scale_w);
  }
}

Status check_lengths(const ResizeGeometry& g, size_t x_len, size_t y_len) {
  const size_t x_expected = g.batch * g.in_image(), y_expected = g.batch * g.out_image();
  if (x_len != x_expected) {
    return Status::error(std::string(kOp) + ": input has " + s(x_len) + " values, expected " +
                         s(x_expected) + " (NHWC " + s(g.batch) + "x" + s(g.in_h) + "x" +
                         s(g.in_w) + "x" + s(g.channels) + ")");
  }
  if (y_len != y_expected) {
    return Status::error(std::string(kOp) + ": output has room for " + s(y_len) +
                         " values, expected " + s(y_expected));
  }
  return Status::ok();
}

}  // namespace

Status ResizeF32::create(const ResizeParams& params, std::unique_ptr<ResizeF32>* out) {
  std::unique_ptr<ResizeF32> op(new ResizeF32());
  WI8_RETURN_IF_ERROR(validate_resize(params, &op->g_));
  op->mode_ = params.mode;
  make_tables(params, op->g_, &op->rows_, &op->cols_);
  *out = std::move(op);
  return Status::ok();
}

Status ResizeF32::run(const float* x, size_t x_len, float* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_lengths(g_, x_len, y_len));
  if (mode_ == ResizeMode::kNearest) {
    resize_nearest_rows(g_, rows_, cols_, sizeof(float), x, y);
  } else {
    resize_bilinear_f32_c4__wasmsimd(g_, rows_, cols_, x, y);
  }
  return Status::ok();
}

Status ResizeS8::create(const ResizeParams& params, const QuantParams& input,
                        const QuantParams& output, std::unique_ptr<ResizeS8>* out) {
  std::unique_ptr<ResizeS8> op(new ResizeS8());
  WI8_RETURN_IF_ERROR(validate_resize(params, &op->g_));
  WI8_RETURN_IF_ERROR(validate_int8_params(input, "Resize: input"));
  WI8_RETURN_IF_ERROR(validate_int8_params(output, "Resize: output"));
  op->mode_ = params.mode;
  // Bilinear sums carry the weights' 2 x 11 fractional bits (see kernels/resize/resize.h).
  const double ratio = static_cast<double>(input.scale) / static_cast<double>(output.scale);
  const double real =
      params.mode == ResizeMode::kLinear ? std::ldexp(ratio, -2 * kResizeWeightBits) : ratio;
  Requantization rq;
  const Status st = compute_requantization(&real, 1, &rq);
  if (!st.is_ok()) return Status::error(std::string(kOp) + ": " + st.message());
  op->p_.input_zero_point = input.zero_point;
  op->p_.output_zero_point = output.zero_point;
  op->p_.multiplier = rq.multiplier[0];
  op->p_.shift = rq.shift;
  op->requantize_ = params.mode == ResizeMode::kNearest &&
                    (input.scale != output.scale || input.zero_point != output.zero_point);
  make_tables(params, op->g_, &op->rows_, &op->cols_);
  *out = std::move(op);
  return Status::ok();
}

Status ResizeS8::run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_lengths(g_, x_len, y_len));
  if (mode_ == ResizeMode::kNearest) {
    resize_nearest_rows(g_, rows_, cols_, sizeof(int8_t), x, y);
    if (requantize_) resize_requantize_s8(y_len, p_, y);
  } else {
    resize_bilinear_s8_c8__wasmsimd(g_, rows_, cols_, p_, x, y);
  }
  return Status::ok();
}

}  // namespace wi8
