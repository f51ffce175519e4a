// Embind bindings: the few functions and classes JavaScript sees.
//
// Conventions (web/index.js wraps all of this; users never call these directly):
// - Every fallible call returns a std::string: "" on success, else the error message. The JS layer
//   throws it as an Error. Nothing here throws or aborts, so the module stays usable after an
//   error.
// - Typed arrays cross the boundary by copy: JS typed array -> std::vector in the wasm heap
//   (typed_memory_view + TypedArray.set) and back into a JS-allocated output array.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings/js_util.h"
#include "kernels/quantize/quantize.h"
#include "ops/fully_connected.h"
#include "ops/fully_connected_f32.h"
#include "quant/quant.h"

using emscripten::val;
using wi8::js::copy_from_js;
using wi8::js::copy_to_js;
using wi8::js::js_length;
using wi8::js::length_error;

namespace {

// quantize / dequantize: validate the parameters, copy in, run the SIMD kernel, copy out.
template <class In, class Out>
std::string convert_js(const char* fn, void (*kernel)(size_t, const In*, float, int32_t, Out*),
                       const val& src, const val& dst, float scale, int zero_point) {
  wi8::Status s = wi8::validate_int8_params({scale, zero_point}, fn);
  if (!s.is_ok()) return s.message();
  if (js_length(dst) != js_length(src)) {
    return length_error(fn, "output", js_length(dst), js_length(src));
  }
  std::vector<In> x;
  copy_from_js(src, &x);
  std::vector<Out> y(x.size());
  kernel(x.size(), x.data(), scale, zero_point, y.data());
  copy_to_js(y.data(), y.size(), dst);
  return "";
}

std::string quantize_js(const val& src, const val& dst, float scale, int zero_point) {
  return convert_js("quantize", &wi8::quantize_f32_s8__wasmsimd, src, dst, scale, zero_point);
}

std::string dequantize_js(const val& src, const val& dst, float scale, int zero_point) {
  return convert_js("dequantize", &wi8::dequantize_s8_f32__wasmsimd, src, dst, scale, zero_point);
}

// {scale, zeroPoint} or {error}.
val choose_activation_params_js(float min, float max) {
  wi8::QuantParams p;
  wi8::Status s = wi8::choose_activation_params(min, max, &p);
  val result = val::object();
  if (!s.is_ok()) {
    result.set("error", s.message());
  } else {
    result.set("scale", p.scale);
    result.set("zeroPoint", p.zero_point);
  }
  return result;
}

// The int8 FullyConnected op as JS sees it: construct empty, init once, run many times.
class FullyConnectedJs {
 public:
  std::string initFromFloat(const val& weights, const val& bias, int in_features, int out_features,
                            float in_scale, int in_zp, float out_scale, int out_zp, float act_min,
                            float act_max) {
    wi8::FullyConnectedParams p;
    std::string err =
        params(in_features, out_features, in_scale, in_zp, out_scale, out_zp, act_min, act_max, &p);
    if (!err.empty()) return err;
    if (js_length(weights) != p.in_features * p.out_features) {
      return length_error("FullyConnected", "weights", js_length(weights),
                          p.in_features * p.out_features);
    }
    const bool has_bias = !bias.isNull() && !bias.isUndefined();
    if (has_bias && js_length(bias) != p.out_features) {
      return length_error("FullyConnected", "bias", js_length(bias), p.out_features);
    }
    std::vector<float> w, b;
    copy_from_js(weights, &w);
    if (has_bias) copy_from_js(bias, &b);
    wi8::Status s =
        wi8::FullyConnectedS8::create_from_float(p, w.data(), has_bias ? b.data() : nullptr, &op_);
    return s.message();
  }

  std::string initQuantized(const val& weights, const val& weight_scales, const val& bias,
                            int in_features, int out_features, float in_scale, int in_zp,
                            float out_scale, int out_zp, float act_min, float act_max) {
    wi8::FullyConnectedParams p;
    std::string err =
        params(in_features, out_features, in_scale, in_zp, out_scale, out_zp, act_min, act_max, &p);
    if (!err.empty()) return err;
    if (js_length(weights) != p.in_features * p.out_features) {
      return length_error("FullyConnected", "weights", js_length(weights),
                          p.in_features * p.out_features);
    }
    if (js_length(weight_scales) != p.out_features) {
      return length_error("FullyConnected", "weightScales", js_length(weight_scales),
                          p.out_features);
    }
    const bool has_bias = !bias.isNull() && !bias.isUndefined();
    if (has_bias && js_length(bias) != p.out_features) {
      return length_error("FullyConnected", "bias", js_length(bias), p.out_features);
    }
    std::vector<int8_t> w;
    std::vector<float> scales;
    std::vector<int32_t> b;
    copy_from_js(weights, &w);
    copy_from_js(weight_scales, &scales);
    if (has_bias) copy_from_js(bias, &b);
    wi8::Status s = wi8::FullyConnectedS8::create(p, w.data(), scales.data(),
                                                  has_bias ? b.data() : nullptr, &op_);
    return s.message();
  }

  std::string prepare(int batch) {
    return wi8::js::prepare_rows("FullyConnected", op_, batch, &io_);
  }
  std::string execute(int batch) {
    return wi8::js::execute_rows("FullyConnected", op_, batch, &io_);
  }
  uintptr_t inputPtr() const { return io_.input_ptr(); }
  uintptr_t outputPtr() const { return io_.output_ptr(); }

  void weightScales(const val& dst) const {
    if (op_) copy_to_js(op_->weight_scales().data(), op_->weight_scales().size(), dst);
  }
  int qmin() const { return op_ ? op_->qmin() : -128; }
  int qmax() const { return op_ ? op_->qmax() : 127; }

 private:
  static std::string params(int in_features, int out_features, float in_scale, int in_zp,
                            float out_scale, int out_zp, float act_min, float act_max,
                            wi8::FullyConnectedParams* p) {
    if (in_features <= 0 || out_features <= 0) {
      return "FullyConnected: inFeatures and outFeatures must be >= 1, got " +
             std::to_string(in_features) + " and " + std::to_string(out_features);
    }
    p->in_features = static_cast<size_t>(in_features);
    p->out_features = static_cast<size_t>(out_features);
    p->input = {in_scale, in_zp};
    p->output = {out_scale, out_zp};
    p->activation = {act_min, act_max};
    return "";
  }

  std::unique_ptr<wi8::FullyConnectedS8> op_;
  wi8::js::HeapIO<int8_t> io_;
};

class FullyConnectedF32Js {
 public:
  std::string init(const val& weights, const val& bias, int in_features, int out_features,
                   float act_min, float act_max) {
    if (in_features <= 0 || out_features <= 0) {
      return "FullyConnectedF32: inFeatures and outFeatures must be >= 1, got " +
             std::to_string(in_features) + " and " + std::to_string(out_features);
    }
    wi8::FullyConnectedF32Params p;
    p.in_features = static_cast<size_t>(in_features);
    p.out_features = static_cast<size_t>(out_features);
    p.activation = {act_min, act_max};
    if (js_length(weights) != p.in_features * p.out_features) {
      return length_error("FullyConnectedF32", "weights", js_length(weights),
                          p.in_features * p.out_features);
    }
    const bool has_bias = !bias.isNull() && !bias.isUndefined();
    if (has_bias && js_length(bias) != p.out_features) {
      return length_error("FullyConnectedF32", "bias", js_length(bias), p.out_features);
    }
    std::vector<float> w, b;
    copy_from_js(weights, &w);
    if (has_bias) copy_from_js(bias, &b);
    return wi8::FullyConnectedF32::create(p, w.data(), has_bias ? b.data() : nullptr, &op_)
        .message();
  }

  std::string prepare(int batch) {
    return wi8::js::prepare_rows("FullyConnectedF32", op_, batch, &io_);
  }
  std::string execute(int batch) {
    return wi8::js::execute_rows("FullyConnectedF32", op_, batch, &io_);
  }
  uintptr_t inputPtr() const { return io_.input_ptr(); }
  uintptr_t outputPtr() const { return io_.output_ptr(); }

 private:
  std::unique_ptr<wi8::FullyConnectedF32> op_;
  wi8::js::HeapIO<float> io_;
};

bool built_with_simd() {
#if defined(__wasm_simd128__)
  return true;
#else
  return false;
#endif
}

}  // namespace

EMSCRIPTEN_BINDINGS(wasm_int8) {
  emscripten::function("builtWithSimd", &built_with_simd);
  emscripten::function("quantize", &quantize_js);
  emscripten::function("dequantize", &dequantize_js);
  emscripten::function("chooseActivationParams", &choose_activation_params_js);
  emscripten::class_<FullyConnectedJs>("FullyConnected")
      .constructor<>()
      .function("initFromFloat", &FullyConnectedJs::initFromFloat)
      .function("initQuantized", &FullyConnectedJs::initQuantized)
      .function("prepare", &FullyConnectedJs::prepare)
      .function("execute", &FullyConnectedJs::execute)
      .function("inputPtr", &FullyConnectedJs::inputPtr)
      .function("outputPtr", &FullyConnectedJs::outputPtr)
      .function("weightScales", &FullyConnectedJs::weightScales)
      .function("qmin", &FullyConnectedJs::qmin)
      .function("qmax", &FullyConnectedJs::qmax);
  emscripten::class_<FullyConnectedF32Js>("FullyConnectedF32")
      .constructor<>()
      .function("init", &FullyConnectedF32Js::init)
      .function("prepare", &FullyConnectedF32Js::prepare)
      .function("execute", &FullyConnectedF32Js::execute)
      .function("inputPtr", &FullyConnectedF32Js::inputPtr)
      .function("outputPtr", &FullyConnectedF32Js::outputPtr);
}
