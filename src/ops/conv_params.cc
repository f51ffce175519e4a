#include "ops/conv_params.h"

namespace wi8 {

namespace {
std::string s(size_t v) { return std::to_string(v); }
}  // namespace

Status validate_conv2d(const char* op, Conv2DGeometry* g) {
  const std::string where = std::string(op) + ": ";
  const struct {
    const char* name;
    size_t value;
  } positive[] = {{"batch", g->batch},
                  {"input height", g->in_h},
                  {"input width", g->in_w},
                  {"input channels", g->in_c},
                  {"output channels", g->out_c},
                  {"kernel height", g->kernel_h},
                  {"kernel width", g->kernel_w},
                  {"stride height", g->stride_h},
                  {"stride width", g->stride_w},
                  {"dilation height", g->dilation_h},
                  {"dilation width", g->dilation_w},
                  {"groups", g->groups}};
  for (const auto& f : positive) {
    if (f.value == 0) return Status::error(where + f.name + " must be >= 1, got 0");
    if (f.value > kMaxConvDim) {
      return Status::error(where + f.name + " " + s(f.value) + " exceeds " + s(kMaxConvDim));
    }
  }
  for (size_t p : {g->pad_top, g->pad_left, g->pad_bottom, g->pad_right}) {
    if (p > kMaxConvDim)
      return Status::error(where + "padding " + s(p) + " exceeds " + s(kMaxConvDim));
  }
  if (g->in_c % g->groups != 0 || g->out_c % g->groups != 0) {
    return Status::error(where + "groups (" + s(g->groups) + ") must divide input channels (" +
                         s(g->in_c) + ") and output channels (" + s(g->out_c) + ")");
  }
  const Window2D win(g->in_h, g->in_w, g->kernel_h, g->kernel_w, g->dilation_h, g->dilation_w,
                     g->pad_top, g->pad_left, g->pad_bottom, g->pad_right);
  WI8_RETURN_IF_ERROR(win.check(where));
  g->out_h = (win.padded_h - win.eff_kh) / g->stride_h + 1;
  g->out_w = (win.padded_w - win.eff_kw) / g->stride_w + 1;
  // Element counts of input, output and weights, each checked against the limit step by step.
  auto bounded = [](std::initializer_list<size_t> dims) {
    size_t n = 1;
    for (size_t d : dims) {
      if (d != 0 && n > kMaxConvElements / d) return false;
      n *= d;
    }
    return n <= kMaxConvElements;
  };
  if (!bounded({g->batch, g->in_h, g->in_w, g->in_c}) ||
      !bounded({g->batch, g->out_h, g->out_w, g->out_c}) ||
      !bounded({g->out_c, g->kernel_h, g->kernel_w, g->in_c / g->groups}) ||
      !bounded({g->batch, g->out_h, g->out_w, g->kernel_h, g->kernel_w, g->in_c})) {
    return Status::error(where + "tensor sizes exceed the limit of " + s(kMaxConvElements) +
                         " elements");
  }
  return Status::ok();
}

Status Window2D::check(const std::string& where) const {
  if (eff_kh > padded_h || eff_kw > padded_w) {
    return Status::error(where + "the dilated kernel (" + s(eff_kh) + " x " + s(eff_kw) +
                         ") is larger than the padded input (" + s(padded_h) + " x " + s(padded_w) +
                         ")");
  }
  return Status::ok();
}

void same_padding(size_t in, size_t kernel, size_t stride, size_t dilation, bool upper,
                  size_t* pad_begin, size_t* pad_end) {
  const size_t out = (in + stride - 1) / stride;
  const size_t eff = (kernel - 1) * dilation + 1;
  const size_t needed = (out - 1) * stride + eff;
  const size_t total = needed > in ? needed - in : 0;
  const size_t small = total / 2, large = total - small;
  *pad_begin = upper ? small : large;
  *pad_end = upper ? large : small;
}

}  // namespace wi8
