#include "ops/elementwise.h"

#include <string>

namespace wi8 {

namespace {

const char* name(BinaryOpKind k) {
  switch (k) {
    case BinaryOpKind::kAdd:
      return "Add";
    case BinaryOpKind::kMul:
      return "Mul";
    case BinaryOpKind::kSub:
      return "Sub";
    case BinaryOpKind::kDiv:
      return "Div";
  }
  return "?";
}

Status check_lengths(BinaryOpKind kind, size_t a_len, size_t a_want, size_t b_len, size_t b_want,
                     size_t y_len, size_t y_want) {
  const struct {
    const char* what;
    size_t got, want;
  } checks[] = {{"input A has", a_len, a_want},
                {"input B has", b_len, b_want},
                {"output has room for", y_len, y_want}};
  for (const auto& c : checks) {
    if (c.got != c.want) {
      return Status::error(std::string(name(kind)) + ": " + c.what + " " + std::to_string(c.got) +
                           " values, expected " + std::to_string(c.want));
    }
  }
  return Status::ok();
}

}  // namespace

Status BinaryS8::create(BinaryOpKind kind, const Shape& a_shape, const QuantParams& a,
                        const Shape& b_shape, const QuantParams& b, const QuantParams& output,
                        const Activation& activation, std::unique_ptr<BinaryS8>* out) {
  const std::string op = name(kind);
  if (kind != BinaryOpKind::kAdd && kind != BinaryOpKind::kMul) {
    return Status::error(op + ": int8 supports Add and Mul only");
  }
  WI8_RETURN_IF_ERROR(validate_int8_params(a, (op + ": input A").c_str()));
  WI8_RETURN_IF_ERROR(validate_int8_params(b, (op + ": input B").c_str()));
  WI8_RETURN_IF_ERROR(validate_int8_params(output, (op + ": output").c_str()));
  std::unique_ptr<BinaryS8> p(new BinaryS8());
  p->kind_ = kind;
  WI8_RETURN_IF_ERROR(plan_broadcast(op, a_shape, b_shape, &p->plan_));
  WI8_RETURN_IF_ERROR(checked_elements(a_shape, op, &p->a_elements_));
  WI8_RETURN_IF_ERROR(checked_elements(b_shape, op, &p->b_elements_));
  int8_t qmin, qmax;
  WI8_RETURN_IF_ERROR(quantized_activation_range(activation, output, &qmin, &qmax));
  if (kind == BinaryOpKind::kAdd) {
    const double real[2] = {static_cast<double>(a.scale) / output.scale,
                            static_cast<double>(b.scale) / output.scale};
    Status s = compute_rescale(real, 2, &p->add_.rescale);
    if (!s.is_ok()) return Status::error(op + ": " + s.message());
    p->add_.a_zero_point = a.zero_point;
    p->add_.b_zero_point = b.zero_point;
    p->add_.y_zero_point = output.zero_point;
    p->add_.qmin = qmin;
    p->add_.qmax = qmax;
  } else {
    const double real = static_cast<double>(a.scale) * b.scale / output.scale;
    Requantization rq;
    Status s = compute_requantization(&real, 1, &rq);
    if (!s.is_ok()) return Status::error(op + ": " + s.message());
    p->mul_.multiplier = rq.multiplier[0];
    p->mul_.shift = rq.shift;
    p->mul_.a_zero_point = a.zero_point;
    p->mul_.b_zero_point = b.zero_point;
    p->mul_.y_zero_point = output.zero_point;
    p->mul_.qmin = qmin;
    p->mul_.qmax = qmax;
  }
  *out = std::move(p);
  return Status::ok();
}

Status BinaryS8::run(const int8_t* a, size_t a_len, const int8_t* b, size_t b_len, int8_t* y,
                     size_t y_len) const {
  WI8_RETURN_IF_ERROR(
      check_lengths(kind_, a_len, a_elements_, b_len, b_elements_, y_len, plan_.output_elements));
  for_each_run(plan_, [&](size_t ao, size_t bo, size_t yo, size_t n) {
    if (kind_ == BinaryOpKind::kAdd) {
      add_s8__wasmsimd(n, a + ao, plan_.a_inc, b + bo, plan_.b_inc, add_, y + yo);
    } else {
      mul_s8__wasmsimd(n, a + ao, plan_.a_inc, b + bo, plan_.b_inc, mul_, y + yo);
    }
  });
  return Status::ok();
}

Status BinaryF32::create(BinaryOpKind kind, const Shape& a_shape, const Shape& b_shape,
                         const Activation& activation, std::unique_ptr<BinaryF32>* out) {
  const std::string op = name(kind);
  if (std::isnan(activation.min) || std::isnan(activation.max) || activation.min > activation.max) {
    return Status::error(op + ": activation clamp must have min <= max");
  }
  std::unique_ptr<BinaryF32> p(new BinaryF32());
  p->kind_ = kind;
  WI8_RETURN_IF_ERROR(plan_broadcast(op, a_shape, b_shape, &p->plan_));
  WI8_RETURN_IF_ERROR(checked_elements(a_shape, op, &p->a_elements_));
  WI8_RETURN_IF_ERROR(checked_elements(b_shape, op, &p->b_elements_));
  p->min_ = activation.min;
  p->max_ = activation.max;
  *out = std::move(p);
  return Status::ok();
}

Status BinaryF32::run(const float* a, size_t a_len, const float* b, size_t b_len, float* y,
                      size_t y_len) const {
  WI8_RETURN_IF_ERROR(
      check_lengths(kind_, a_len, a_elements_, b_len, b_elements_, y_len, plan_.output_elements));
  for_each_run(plan_, [&](size_t ao, size_t bo, size_t yo, size_t n) {
    switch (kind_) {
      case BinaryOpKind::kAdd:
        add_f32__wasmsimd(n, a + ao, plan_.a_inc, b + bo, plan_.b_inc, min_, max_, y + yo);
        break;
      case BinaryOpKind::kMul:
        mul_f32__wasmsimd(n, a + ao, plan_.a_inc, b + bo, plan_.b_inc, min_, max_, y + yo);
        break;
      case BinaryOpKind::kSub:
        sub_f32__wasmsimd(n, a + ao, plan_.a_inc, b + bo, plan_.b_inc, min_, max_, y + yo);
        break;
      case BinaryOpKind::kDiv:
        div_f32__wasmsimd(n, a + ao, plan_.a_inc, b + bo, plan_.b_inc, min_, max_, y + yo);
        break;
    }
  });
  return Status::ok();
}

}  // namespace wi8
