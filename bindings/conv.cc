// Conv2D (int8) for JavaScript: geometry as a plain object (validated by web/index.js, checked
// again by the op), weights as typed arrays. Same conventions as bindings.cc: error strings, no
// throws.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings/js_util.h"
#include "ops/conv2d.h"
#include "ops/conv2d_f32.h"

using emscripten::val;
using wi8::js::copy_from_js;
using wi8::js::copy_to_js;
using wi8::js::js_length;
using wi8::js::length_error;

namespace {

size_t field(const val& o, const char* key) { return static_cast<size_t>(o[key].as<double>()); }

wi8::Conv2DGeometry geometry_from_js(const val& o) {
  wi8::Conv2DGeometry g;
  g.batch = field(o, "batch");
  g.in_h = field(o, "inH");
  g.in_w = field(o, "inW");
  g.in_c = field(o, "inC");
  g.out_c = field(o, "outC");
  g.kernel_h = field(o, "kernelH");
  g.kernel_w = field(o, "kernelW");
  g.stride_h = field(o, "strideH");
  g.stride_w = field(o, "strideW");
  g.dilation_h = field(o, "dilationH");
  g.dilation_w = field(o, "dilationW");
  g.pad_top = field(o, "padTop");
  g.pad_left = field(o, "padLeft");
  g.pad_bottom = field(o, "padBottom");
  g.pad_right = field(o, "padRight");
  g.groups = field(o, "groups");
  return g;
}

class Conv2DJs {
 public:
  std::string initFromFloat(const val& geometry, const val& weights, const val& bias,
                            float in_scale, int in_zp, float out_scale, int out_zp, float act_min,
                            float act_max) {
    wi8::Conv2DS8Params p = params(geometry, in_scale, in_zp, out_scale, out_zp, act_min, act_max);
    std::string err = check_geometry(&p);
    if (!err.empty()) return err;
    const wi8::Conv2DGeometry& g = p.geometry;
    const size_t n_weights = g.out_c * g.taps() * (g.in_c / g.groups);
    if (js_length(weights) != n_weights) {
      return length_error("Conv2D", "weights", js_length(weights), n_weights);
    }
    const bool has_bias = !bias.isNull() && !bias.isUndefined();
    if (has_bias && js_length(bias) != g.out_c) {
      return length_error("Conv2D", "bias", js_length(bias), g.out_c);
    }
    std::vector<float> w, b;
    copy_from_js(weights, &w);
    if (has_bias) copy_from_js(bias, &b);
    return finish(
        wi8::Conv2DS8::create_from_float(p, w.data(), has_bias ? b.data() : nullptr, &op_));
  }

  std::string initQuantized(const val& geometry, const val& weights, const val& weight_scales,
                            const val& bias, float in_scale, int in_zp, float out_scale, int out_zp,
                            float act_min, float act_max) {
    wi8::Conv2DS8Params p = params(geometry, in_scale, in_zp, out_scale, out_zp, act_min, act_max);
    std::string err = check_geometry(&p);
    if (!err.empty()) return err;
    const wi8::Conv2DGeometry& g = p.geometry;
    const size_t n_weights = g.out_c * g.taps() * (g.in_c / g.groups);
    if (js_length(weights) != n_weights) {
      return length_error("Conv2D", "weights", js_length(weights), n_weights);
    }
    if (js_length(weight_scales) != g.out_c) {
      return length_error("Conv2D", "weightScales", js_length(weight_scales), g.out_c);
    }
    const bool has_bias = !bias.isNull() && !bias.isUndefined();
    if (has_bias && js_length(bias) != g.out_c) {
      return length_error("Conv2D", "bias", js_length(bias), g.out_c);
    }
    std::vector<int8_t> w;
    std::vector<float> scales;
    std::vector<int32_t> b;
    copy_from_js(weights, &w);
    copy_from_js(weight_scales, &scales);
    if (has_bias) copy_from_js(bias, &b);
    return finish(
        wi8::Conv2DS8::create(p, w.data(), scales.data(), has_bias ? b.data() : nullptr, &op_));
  }

  std::string execute() { return wi8::js::execute_conv("Conv2D", op_, &io_, &workspace_); }
  uintptr_t inputPtr() const { return io_.input_ptr(); }
  uintptr_t outputPtr() const { return io_.output_ptr(); }

  int outH() const { return op_ ? static_cast<int>(op_->geometry().out_h) : 0; }
  int outW() const { return op_ ? static_cast<int>(op_->geometry().out_w) : 0; }
  bool isDepthwise() const { return op_ && op_->is_depthwise(); }
  int qmin() const { return op_ ? op_->qmin() : -128; }
  int qmax() const { return op_ ? op_->qmax() : 127; }
  void weightScales(const val& dst) const {
    if (op_) copy_to_js(op_->weight_scales().data(), op_->weight_scales().size(), dst);
  }

 private:
  static wi8::Conv2DS8Params params(const val& geometry, float in_scale, int in_zp, float out_scale,
                                    int out_zp, float act_min, float act_max) {
    wi8::Conv2DS8Params p;
    p.geometry = geometry_from_js(geometry);
    p.input = {in_scale, in_zp};
    p.output = {out_scale, out_zp};
    p.activation = {act_min, act_max};
    return p;
  }
  static std::string check_geometry(wi8::Conv2DS8Params* p) {
    return wi8::validate_conv2d("Conv2D", &p->geometry).message();
  }
  std::string finish(const wi8::Status& s) {
    if (!s.is_ok()) return s.message();
    workspace_.assign(op_->workspace_size(), 0);
    io_.resize(op_->input_size(), op_->output_size());
    return "";
  }

  std::unique_ptr<wi8::Conv2DS8> op_;
  wi8::js::HeapIO<int8_t> io_;
  std::vector<int8_t> workspace_;
};

// The fp32 Conv2D: same geometry object, float weights (OHWI) and bias, float activation bounds.
class Conv2DF32Js {
 public:
  std::string init(const val& geometry, const val& weights, const val& bias, float act_min,
                   float act_max) {
    wi8::Conv2DF32Params p;
    p.geometry = geometry_from_js(geometry);
    p.activation = {act_min, act_max};
    wi8::Status s = wi8::validate_conv2d("Conv2DF32", &p.geometry);
    if (!s.is_ok()) return s.message();
    const wi8::Conv2DGeometry& g = p.geometry;
    const size_t n_weights = g.out_c * g.taps() * (g.in_c / g.groups);
    if (js_length(weights) != n_weights) {
      return length_error("Conv2DF32", "weights", js_length(weights), n_weights);
    }
    const bool has_bias = !bias.isNull() && !bias.isUndefined();
    if (has_bias && js_length(bias) != g.out_c) {
      return length_error("Conv2DF32", "bias", js_length(bias), g.out_c);
    }
    std::vector<float> w, b;
    copy_from_js(weights, &w);
    if (has_bias) copy_from_js(bias, &b);
    s = wi8::Conv2DF32::create(p, w.data(), has_bias ? b.data() : nullptr, &op_);
    if (!s.is_ok()) return s.message();
    workspace_.assign(op_->workspace_size(), 0.0f);
    io_.resize(op_->input_size(), op_->output_size());
    return "";
  }

  std::string execute() { return wi8::js::execute_conv("Conv2DF32", op_, &io_, &workspace_); }
  uintptr_t inputPtr() const { return io_.input_ptr(); }
  uintptr_t outputPtr() const { return io_.output_ptr(); }

  int outH() const { return op_ ? static_cast<int>(op_->geometry().out_h) : 0; }
  int outW() const { return op_ ? static_cast<int>(op_->geometry().out_w) : 0; }
  bool isDepthwise() const { return op_ && op_->is_depthwise(); }

 private:
  std::unique_ptr<wi8::Conv2DF32> op_;
  wi8::js::HeapIO<float> io_;
  std::vector<float> workspace_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(wasm_int8_conv) {
  emscripten::class_<Conv2DJs>("Conv2D")
      .constructor<>()
      .function("initFromFloat", &Conv2DJs::initFromFloat)
      .function("initQuantized", &Conv2DJs::initQuantized)
      .function("execute", &Conv2DJs::execute)
      .function("inputPtr", &Conv2DJs::inputPtr)
      .function("outputPtr", &Conv2DJs::outputPtr)
      .function("outH", &Conv2DJs::outH)
      .function("outW", &Conv2DJs::outW)
      .function("isDepthwise", &Conv2DJs::isDepthwise)
      .function("qmin", &Conv2DJs::qmin)
      .function("qmax", &Conv2DJs::qmax)
      .function("weightScales", &Conv2DJs::weightScales);
  emscripten::class_<Conv2DF32Js>("Conv2DF32")
      .constructor<>()
      .function("init", &Conv2DF32Js::init)
      .function("execute", &Conv2DF32Js::execute)
      .function("inputPtr", &Conv2DF32Js::inputPtr)
      .function("outputPtr", &Conv2DF32Js::outputPtr)
      .function("outH", &Conv2DF32Js::outH)
      .function("outW", &Conv2DF32Js::outW)
      .function("isDepthwise", &Conv2DF32Js::isDepthwise);
}
