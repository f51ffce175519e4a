#include "ops/pool.h"

#include <initializer_list>
#include <string>

#include "ops/conv_params.h"

namespace wi8 {

namespace {

std::string s(size_t v) { return std::to_string(v); }

// Output size along one axis (ONNX, including ceil_mode's rule that a last window starting in the
// end padding is dropped). The caller checked padded >= dilated kernel.
size_t pool_out_size(size_t in, size_t pad_begin, size_t pad_end, size_t eff_kernel, size_t stride,
                     bool ceil_mode) {
  const size_t span = in + pad_begin + pad_end - eff_kernel;
  size_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  return out;
}

// Every output index along one axis must see at least one input pixel (so padding never decides
// a max and no average divides by zero).
Status check_windows(const std::string& where, const char* axis, size_t out, size_t in,
                     size_t kernel, size_t stride, size_t dilation, size_t pad_begin,
                     size_t pad_end) {
  for (size_t o = 0; o < out; ++o) {
    size_t begin, end, padded;
    pool_axis_window(o, in, kernel, stride, dilation, pad_begin, pad_end, &begin, &end, &padded);
    if (begin == end) {
      return Status::error(where + "the window of output " + axis + " " + s(o) +
                           " covers no input pixel (input " + s(in) + ", kernel " + s(kernel) +
                           ", dilation " + s(dilation) + ", pads " + s(pad_begin) + " and " +
                           s(pad_end) + ")");
    }
  }
  return Status::ok();
}

Status check_lengths(const char* op, size_t x_len, size_t x_expected, const std::string& x_shape,
                     size_t y_len, size_t y_expected) {
  if (x_len != x_expected) {
    return Status::error(std::string(op) + ": input has " + s(x_len) + " values, expected " +
                         s(x_expected) + " (" + x_shape + ")");
  }
  if (y_len != y_expected) {
    return Status::error(std::string(op) + ": output has room for " + s(y_len) +
                         " values, expected " + s(y_expected));
  }
  return Status::ok();
}

std::string nhwc(size_t n, size_t h, size_t w, size_t c) {
  return "NHWC " + s(n) + "x" + s(h) + "x" + s(w) + "x" + s(c);
}

Status check_pool_lengths(const char* op, const Pool2DGeometry& g, size_t x_len, size_t y_len) {
  return check_lengths(op, x_len, g.batch * g.in_image(), nhwc(g.batch, g.in_h, g.in_w, g.channels),
                       y_len, g.batch * g.out_image());
}

// Positive dimensions no larger than kMaxConvDim.
struct Dim {
  const char* name;
  size_t value;
};
Status check_dims(const std::string& where, std::initializer_list<Dim> dims) {
  for (const Dim& d : dims) {
    if (d.value == 0) return Status::error(where + d.name + " must be >= 1, got 0");
    if (d.value > kMaxConvDim) {
      return Status::error(where + d.name + " " + s(d.value) + " exceeds " + s(kMaxConvDim));
    }
  }
  return Status::ok();
}

Status prefixed(const char* op, const Status& st) {
  return st.is_ok() ? st : Status::error(std::string(op) + ": " + st.message());
}

constexpr const char* kMaxPool = "MaxPool2D";
constexpr const char* kAvgPool = "AveragePool2D";
constexpr const char* kGlobalPool = "GlobalAveragePool";

}  // namespace

Status validate_pool2d(const char* op, Pool2DGeometry* g) {
  const std::string where = std::string(op) + ": ";
  WI8_RETURN_IF_ERROR(check_dims(where, {{"batch", g->batch},
                                         {"input height", g->in_h},
                                         {"input width", g->in_w},
                                         {"channels", g->channels},
                                         {"kernel height", g->kernel_h},
                                         {"kernel width", g->kernel_w},
                                         {"stride height", g->stride_h},
                                         {"stride width", g->stride_w},
                                         {"dilation height", g->dilation_h},
                                         {"dilation width", g->dilation_w}}));
  const Dim pads[] = {{"pad_top", g->pad_top},
                      {"pad_left", g->pad_left},
                      {"pad_bottom", g->pad_bottom},
                      {"pad_right", g->pad_right}};
  for (const Dim& p : pads) {
    if (p.value > kMaxConvDim) {
      return Status::error(where + p.name + " " + s(p.value) + " exceeds " + s(kMaxConvDim));
    }
  }
  const Window2D win(g->in_h, g->in_w, g->kernel_h, g->kernel_w, g->dilation_h, g->dilation_w,
                     g->pad_top, g->pad_left, g->pad_bottom, g->pad_right);
  WI8_RETURN_IF_ERROR(win.check(where));
  const size_t eff_kh = win.eff_kh, eff_kw = win.eff_kw;
  g->out_h = pool_out_size(g->in_h, g->pad_top, g->pad_bottom, eff_kh, g->stride_h, g->ceil_mode);
  g->out_w = pool_out_size(g->in_w, g->pad_left, g->pad_right, eff_kw, g->stride_w, g->ceil_mode);
  WI8_RETURN_IF_ERROR(check_windows(where, "row", g->out_h, g->in_h, g->kernel_h, g->stride_h,
                                    g->dilation_h, g->pad_top, g->pad_bottom));
  WI8_RETURN_IF_ERROR(check_windows(where, "column", g->out_w, g->in_w, g->kernel_w, g->stride_w,
                                    g->dilation_w, g->pad_left, g->pad_right));
  size_t n;
  WI8_RETURN_IF_ERROR(
      checked_elements({g->batch, g->in_h, g->in_w, g->channels}, where + "input", &n));
  WI8_RETURN_IF_ERROR(
      checked_elements({g->batch, g->out_h, g->out_w, g->channels}, where + "output", &n));
  return Status::ok();
}

// ---- MaxPool2D

Status MaxPool2DS8::create(const Pool2DGeometry& geometry, std::unique_ptr<MaxPool2DS8>* out) {
  std::unique_ptr<MaxPool2DS8> op(new MaxPool2DS8());
  op->g_ = geometry;
  WI8_RETURN_IF_ERROR(validate_pool2d(kMaxPool, &op->g_));
  *out = std::move(op);
  return Status::ok();
}

Status MaxPool2DS8::run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_pool_lengths(kMaxPool, g_, x_len, y_len));
  maxpool_s8_c16__wasmsimd(g_, x, y);
  return Status::ok();
}

Status MaxPool2DF32::create(const Pool2DGeometry& geometry, std::unique_ptr<MaxPool2DF32>* out) {
  std::unique_ptr<MaxPool2DF32> op(new MaxPool2DF32());
  op->g_ = geometry;
  WI8_RETURN_IF_ERROR(validate_pool2d(kMaxPool, &op->g_));
  *out = std::move(op);
  return Status::ok();
}

Status MaxPool2DF32::run(const float* x, size_t x_len, float* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_pool_lengths(kMaxPool, g_, x_len, y_len));
  maxpool_f32_c4__wasmsimd(g_, x, y);
  return Status::ok();
}

// ---- AveragePool2D

Status AveragePool2DS8::create(const AveragePool2DParams& params, const QuantParams& input,
                               const QuantParams& output, std::unique_ptr<AveragePool2DS8>* out) {
  std::unique_ptr<AveragePool2DS8> op(new AveragePool2DS8());
  op->g_ = params.geometry;
  WI8_RETURN_IF_ERROR(validate_pool2d(kAvgPool, &op->g_));
  const size_t taps = op->g_.taps();
  if (taps > kMaxPoolTaps) {
    return Status::error(std::string(kAvgPool) + ": kernel height * kernel width = " + s(taps) +
                         " exceeds " + s(kMaxPoolTaps) + " (use GlobalAveragePool)");
  }
  WI8_RETURN_IF_ERROR(validate_int8_params(input, "AveragePool2D: input"));
  WI8_RETURN_IF_ERROR(validate_int8_params(output, "AveragePool2D: output"));
  // One requantization per divisor d: s_in / (s_out * d), each with its own shift (all channels of
  // a pixel share d, so the SIMD kernel splats one multiplier and one shift per pixel).
  op->multiplier_.assign(taps + 1, 0);
  op->shift_.assign(taps + 1, 31);
  for (size_t d = 1; d <= taps; ++d) {
    const double real = static_cast<double>(input.scale) /
                        (static_cast<double>(output.scale) * static_cast<double>(d));
    Requantization rq;
    WI8_RETURN_IF_ERROR(prefixed(kAvgPool, compute_requantization(&real, 1, &rq)));
    op->multiplier_[d] = rq.multiplier[0];
    op->shift_[d] = rq.shift;
  }
  op->p_.input_zero_point = input.zero_point;
  op->p_.output_zero_point = output.zero_point;
  op->p_.count_include_pad = params.count_include_pad;
  op->p_.multiplier = op->multiplier_.data();
  op->p_.shift = op->shift_.data();
  *out = std::move(op);
  return Status::ok();
}

Status AveragePool2DS8::run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_pool_lengths(kAvgPool, g_, x_len, y_len));
  avgpool_s8_c16__wasmsimd(g_, p_, x, y);
  return Status::ok();
}

Status AveragePool2DF32::create(const AveragePool2DParams& params,
                                std::unique_ptr<AveragePool2DF32>* out) {
  std::unique_ptr<AveragePool2DF32> op(new AveragePool2DF32());
  op->g_ = params.geometry;
  WI8_RETURN_IF_ERROR(validate_pool2d(kAvgPool, &op->g_));
  op->count_include_pad_ = params.count_include_pad;
  *out = std::move(op);
  return Status::ok();
}

Status AveragePool2DF32::run(const float* x, size_t x_len, float* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_pool_lengths(kAvgPool, g_, x_len, y_len));
  avgpool_f32_c4__wasmsimd(g_, count_include_pad_, x, y);
  return Status::ok();
}

// ---- GlobalAveragePool

namespace {

Status validate_global(const GlobalAveragePoolParams& p) {
  const std::string where = std::string(kGlobalPool) + ": ";
  WI8_RETURN_IF_ERROR(check_dims(
      where,
      {{"batch", p.batch}, {"height", p.height}, {"width", p.width}, {"channels", p.channels}}));
  size_t n;
  return checked_elements({p.batch, p.height, p.width, p.channels}, where + "input", &n);
}

Shape global_output_shape(const GlobalAveragePoolParams& p) {
  return p.keep_dims ? Shape{p.batch, 1, 1, p.channels} : Shape{p.batch, p.channels};
}

}  // namespace

Status GlobalAveragePoolS8::create(const GlobalAveragePoolParams& params, const QuantParams& input,
                                   const QuantParams& output,
                                   std::unique_ptr<GlobalAveragePoolS8>* out) {
  WI8_RETURN_IF_ERROR(validate_global(params));
  const size_t pixels = params.height * params.width;
  if (pixels > kMaxGlobalPoolPixels) {
    return Status::error(std::string(kGlobalPool) + ": height * width = " + s(pixels) +
                         " exceeds " + s(kMaxGlobalPoolPixels) + " (the int32 sum could overflow)");
  }
  WI8_RETURN_IF_ERROR(validate_int8_params(input, "GlobalAveragePool: input"));
  WI8_RETURN_IF_ERROR(validate_int8_params(output, "GlobalAveragePool: output"));
  const double real = static_cast<double>(input.scale) /
                      (static_cast<double>(output.scale) * static_cast<double>(pixels));
  Requantization rq;
  WI8_RETURN_IF_ERROR(prefixed(kGlobalPool, compute_requantization(&real, 1, &rq)));
  std::unique_ptr<GlobalAveragePoolS8> op(new GlobalAveragePoolS8());
  op->p_ = params;
  op->q_.input_zero_point = input.zero_point;
  op->q_.output_zero_point = output.zero_point;
  op->q_.multiplier = rq.multiplier[0];
  op->q_.shift = rq.shift;
  *out = std::move(op);
  return Status::ok();
}

Shape GlobalAveragePoolS8::output_shape() const { return global_output_shape(p_); }

Status GlobalAveragePoolS8::run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_lengths(kGlobalPool, x_len, input_size(),
                                    nhwc(p_.batch, p_.height, p_.width, p_.channels), y_len,
                                    output_size()));
  global_avgpool_s8_c16__wasmsimd(p_.batch, p_.height * p_.width, p_.channels, q_, x, y);
  return Status::ok();
}

Status GlobalAveragePoolF32::create(const GlobalAveragePoolParams& params,
                                    std::unique_ptr<GlobalAveragePoolF32>* out) {
  WI8_RETURN_IF_ERROR(validate_global(params));
  std::unique_ptr<GlobalAveragePoolF32> op(new GlobalAveragePoolF32());
  op->p_ = params;
  *out = std::move(op);
  return Status::ok();
}

Shape GlobalAveragePoolF32::output_shape() const { return global_output_shape(p_); }

Status GlobalAveragePoolF32::run(const float* x, size_t x_len, float* y, size_t y_len) const {
  WI8_RETURN_IF_ERROR(check_lengths(kGlobalPool, x_len, input_size(),
                                    nhwc(p_.batch, p_.height, p_.width, p_.channels), y_len,
                                    output_size()));
  global_avgpool_f32_c4__wasmsimd(p_.batch, p_.height * p_.width, p_.channels, x, y);
  return Status::ok();
}

}  // namespace wi8
