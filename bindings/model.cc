// ONNX models for JavaScript: inspectOnnx() (bytes -> reader -> graph import -> a plain summary)
// and the OnnxModel class behind loadModel() (-> passes -> executor, run on heap buffers).
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bindings/js_util.h"
#include "core/parallel.h"
#include "graph/bias_correction.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/lower.h"
#include "graph/quantize_graph.h"
#include "graph/simplify.h"
#include "model/onnx/onnx_model.h"
#include "model/onnx/onnx_writer.h"

using emscripten::val;

namespace {

val dims_to_js(const wi8::TensorDesc& t) {
  if (!t.has_shape) return val::null();
  val dims = val::array();
  for (int64_t d : t.dims)
    dims.call<void>("push", d < 0 ? val::null() : val(static_cast<double>(d)));
  return dims;
}

val tensors_to_js(const wi8::Graph& g, const std::vector<int>& ids) {
  val list = val::array();
  for (int id : ids) {
    const wi8::TensorDesc& t = g.tensors[static_cast<size_t>(id)];
    val o = val::object();
    o.set("name", t.name);
    o.set("dtype", std::string(wi8::dtype_name(t.dtype)));
    o.set("shape", dims_to_js(t));
    list.call<void>("push", o);
  }
  return list;
}

// {error} or {opset, producer, inputs, outputs, ops: {type: count}, nodes, constantBytes}.
val inspect_onnx(const val& bytes) {
  std::vector<uint8_t> data;
  wi8::js::copy_from_js(bytes, &data);
  val result = val::object();
  wi8::onnx::OnnxModel model;
  wi8::Status s = wi8::onnx::parse_onnx_model(data.data(), data.size(), &model);
  wi8::Graph graph;
  if (s.is_ok()) s = wi8::import_onnx(model, &graph);
  if (!s.is_ok()) {
    result.set("error", s.message());
    return result;
  }
  std::map<std::string, int> ops;
  for (const wi8::GraphNode& n : graph.nodes) ++ops[n.op];
  val op_counts = val::object();
  for (const auto& [op, count] : ops) op_counts.set(op, count);
  double constant_bytes = 0;
  for (const wi8::TensorDesc& t : graph.tensors)
    constant_bytes += static_cast<double>(t.data.size());
  result.set("opset", static_cast<double>(graph.opset));
  result.set("producer", model.producer_name);
  result.set("inputs", tensors_to_js(graph, graph.inputs));
  result.set("outputs", tensors_to_js(graph, graph.outputs));
  result.set("ops", op_counts);
  result.set("nodes", static_cast<double>(graph.nodes.size()));
  result.set("constantBytes", constant_bytes);
  return result;
}

// {error} or {name, dtype, dims, bytes: Uint8Array} from a serialized TensorProto (.pb).
val decode_tensor(const val& bytes) {
  std::vector<uint8_t> data;
  wi8::js::copy_from_js(bytes, &data);
  val result = val::object();
  wi8::onnx::Tensor t;
  wi8::Status s = wi8::onnx::parse_onnx_tensor(data.data(), data.size(), &t);
  wi8::TensorDesc d;
  if (s.is_ok()) s = wi8::decode_onnx_tensor(t, "tensor '" + t.name + "'", &d);
  if (!s.is_ok()) {
    result.set("error", s.message());
    return result;
  }
  result.set("name", t.name);
  result.set("dtype", std::string(wi8::dtype_name(d.dtype)));
  result.set("dims", dims_to_js(d));
  val out = val::global("Uint8Array").new_(d.data.size());
  wi8::js::copy_to_js(d.data.data(), d.data.size(), out);
  result.set("bytes", out);
  return result;
}

// Bytes of the wasm heap in use (malloc'd and not freed): the memory tests' measure.
double heap_bytes_in_use() { return static_cast<double>(mallinfo().uordblks); }

// Threads (core/parallel.h): 1 in the single-threaded build.
int max_threads_js() { return static_cast<int>(wi8::max_threads()); }
int set_num_threads_js(int n) {
  return static_cast<int>(wi8::set_num_threads(n < 1 ? 1 : static_cast<size_t>(n)));
}

}  // namespace

EMSCRIPTEN_BINDINGS(wasm_int8_model) {
  emscripten::function("inspectOnnx", &inspect_onnx);
  emscripten::function("decodeTensor", &decode_tensor);
  emscripten::function("heapBytesInUse", &heap_bytes_in_use);
  emscripten::function("maxThreads", &max_threads_js);
  emscripten::function("setNumThreads", &set_num_threads_js);
}

namespace {

// A loaded model for JavaScript (web/index.js wraps it as Model): the simplified graph, the
// constants given for some inputs, and the plan for the last input shapes. Errors come back as
// strings ("" = ok); nothing here throws or aborts.
class OnnxModelHandle {
 public:
  std::string load(const val& bytes) {
    std::vector<uint8_t> data;
    wi8::js::copy_from_js(bytes, &data);
    wi8::onnx::OnnxModel model;
    wi8::Status s = wi8::onnx::parse_onnx_model(data.data(), data.size(), &model);
    auto g = std::make_shared<wi8::Graph>();
    if (s.is_ok()) s = wi8::import_onnx(model, g.get());
    if (!s.is_ok()) return s.message();
    producer_ = model.producer_name;
    describe(*g);  // the model as written
    s = wi8::simplify_graph(g.get());
    if (s.is_ok()) s = wi8::check_supported_ops(*g);
    if (!s.is_ok()) return s.message();
    graph_ = g;
    frozen_.assign(g->inputs.size(), wi8::TensorDesc());
    is_frozen_.assign(g->inputs.size(), false);
    return "";
  }

  val inputs() const { return tensors_to_js(*graph_, graph_->inputs); }
  val outputs() const { return tensors_to_js(*graph_, graph_->outputs); }

  val info() const {
    val r = val::object();
    val ops = val::object();
    for (const auto& [op, count] : ops_) ops.set(op, count);
    r.set("opset", static_cast<double>(graph_->opset));
    r.set("producer", producer_);
    r.set("ops", ops);
    r.set("nodes", static_cast<double>(nodes_));
    r.set("constantBytes", constant_bytes_);
    return r;
  }

  // Input `index` becomes a constant with these bytes (little-endian, the declared dtype) and dims.
  std::string freeze(int index, const val& bytes, const val& dims) {
    if (index < 0 || static_cast<size_t>(index) >= frozen_.size()) return "no such input";
    const wi8::TensorDesc& decl = graph_->tensors[static_cast<size_t>(graph_->inputs[index])];
    wi8::TensorDesc t;
    t.name = decl.name;
    t.dtype = decl.dtype;
    t.constant = true;
    t.has_shape = true;
    size_t count = 1;
    for (size_t k = 0; k < js_length(dims); ++k) {
      const double d = dims[k].as<double>();
      t.dims.push_back(static_cast<int64_t>(d));
      count *= static_cast<size_t>(d);
    }
    wi8::js::copy_from_js(bytes, &t.data);
    if (t.data.size() != count * wi8::dtype_size(t.dtype)) {
      return "constant for input '" + decl.name + "' has " + std::to_string(t.data.size()) +
             " bytes, its shape needs " + std::to_string(count * wi8::dtype_size(t.dtype));
    }
    frozen_[static_cast<size_t>(index)] = std::move(t);
    is_frozen_[static_cast<size_t>(index)] = true;
    plan_.reset();
    return "";
  }

  // Plans for these input shapes (one array per input that is not frozen, in order).
  std::string plan(const val& shapes) {
    std::vector<wi8::Shape> all(graph_->inputs.size());
    std::vector<const wi8::TensorDesc*> frozen(graph_->inputs.size(), nullptr);
    size_t next = 0;
    for (size_t i = 0; i < all.size(); ++i) {
      if (is_frozen_[i]) {
        frozen[i] = &frozen_[i];
        continue;
      }
      const val s = shapes[next++];
      for (size_t k = 0; k < js_length(s); ++k) {
        const double d = s[k].as<double>();
        if (!(d >= 0 && d <= 2147483647.0)) {
          const wi8::TensorDesc& t = graph_->tensors[static_cast<size_t>(graph_->inputs[i])];
          return "input '" + t.name + "': dimension " + std::to_string(k) + " is " +
                 std::to_string(static_cast<long long>(d)) + ", outside [0, 2147483647]";
        }
        all[i].push_back(static_cast<size_t>(d));
      }
    }
    plan_.reset();
    wi8::Status st = wi8::Executor::create(graph_, all, &plan_, wi8::ExecLimits(), frozen,
                                           observers_.get(), captures_.get());
    if (!st.is_ok()) {
      plan_.reset();
      return st.message();
    }
    return "";
  }

  // Calibration: while on, every run feeds the observers of the graph's float tensors.
  void begin_calibration() {
    observers_ = std::make_unique<std::vector<wi8::Observer>>();
    plan_.reset();
  }
  void end_calibration() {
    observers_.reset();
    plan_.reset();
  }

  // This handle becomes the int8 model of `src`, quantized with what src's observers saw
  // (simulate: the QDQ graph runs as fake quantization on the fp32 kernels instead).
  std::string load_quantized(const OnnxModelHandle& src, const std::string& method,
                             bool per_channel, bool simulate) {
    if (!src.observers_ || src.observers_->empty()) return "no calibration data was observed";
    wi8::QuantizeOptions opt;
    wi8::Status s = wi8::parse_calibration_method(method, &opt.method);
    if (!s.is_ok()) return s.message();
    opt.per_channel = per_channel;
    auto qdq = std::make_shared<wi8::Graph>();
    s = wi8::quantize_graph(*src.graph_, *src.observers_, opt, qdq.get(), &report_);
    if (!s.is_ok()) return s.message();
    take_inputs_of(src);
    return adopt_qdq(qdq, simulate);
  }

  // Bias correction (graph/bias_correction.h) in three calls, on the quantized model: this
  // handle becomes the measuring model of `fp32` and `quantized` (quantize()'s source and result);
  // accumulate_bias_error() adds one of its runs (captures on) to `quantized`; and
  // apply_bias_correction() folds the mean errors into the quantized model's biases.
  std::string load_bias_measurement(const OnnxModelHandle& fp32, OnnxModelHandle& quantized) {
    if (!quantized.qdq_) return "not a quantized model";
    quantized.bias_correction_ =
        std::make_unique<wi8::BiasCorrection>(*fp32.graph_, *quantized.qdq_);
    // Not simplified again: that would drop the shadow layers, whose outputs nothing reads.
    auto g = std::make_shared<wi8::Graph>(quantized.bias_correction_->take_measuring_graph());
    take_inputs_of(fp32);
    set_graph(g);
    // Capture only what the correction reads: every tensor of both models would be several times
    // the activations of one run.
    captures_ = std::make_unique<wi8::TensorCaptures>();
    for (const std::string& name : quantized.bias_correction_->captured_names()) (*captures_)[name];
    return "";
  }
  std::string accumulate_bias_error(const OnnxModelHandle& measuring) {
    if (!bias_correction_) return "no bias measurement was loaded";
    if (!measuring.captures_) return "capture is off";
    bias_correction_->add(*measuring.captures_);
    return "";
  }
  // {error} or {layers: how many biases changed}.
  val apply_bias_correction(bool simulate) {
    val r = val::object();
    if (!qdq_ || !bias_correction_) {
      r.set("error", "no bias error was measured");
      return r;
    }
    auto qdq = std::make_shared<wi8::Graph>(*qdq_);
    const size_t layers = bias_correction_->apply(qdq.get());
    bias_correction_.reset();
    const std::string e = adopt_qdq(qdq, simulate);
    if (!e.empty()) r.set("error", e);
    r.set("layers", static_cast<double>(layers));
    return r;
  }

  // While on, every run keeps each tensor's (dequantized) values for accumulate_sqnr().
  void set_capture(bool on) {
    if (on) {
      captures_ = std::make_unique<wi8::TensorCaptures>();
    } else {
      captures_.reset();
    }
    plan_.reset();
  }

  // Adds the last run's quantization error per tensor: this (quantized) model's tensors against
  // the fp32 model's tensors of the same name, run on the same input.
  std::string accumulate_sqnr(const OnnxModelHandle& fp32) {
    if (!captures_ || !fp32.captures_) return "capture is off";
    for (const auto& [name, got] : *captures_) {
      const bool q = name.size() > 2 && name.compare(name.size() - 2, 2, ".q") == 0;
      if (!q && captures_->count(name + ".q")) continue;  // measured on its int8 form
      const std::string base = q ? name.substr(0, name.size() - 2) : name;
      const auto want = fp32.captures_->find(base);
      if (want == fp32.captures_->end() || want->second.values.size() != got.values.size())
        continue;
      auto& acc = sqnr_[base];
      for (size_t k = 0; k < got.values.size(); ++k) {
        const double x = want->second.values[k], e = static_cast<double>(got.values[k]) - x;
        acc.first += x * x;
        acc.second += e * e;
      }
    }
    return "";
  }

  // {error} or {bytes}: the quantized model as standard QDQ ONNX.
  val to_onnx() const {
    val r = val::object();
    if (!qdq_) {
      r.set("error", std::string("only quantized models export (quantize() first)"));
      return r;
    }
    std::vector<uint8_t> bytes;
    wi8::Status s = wi8::onnx::write_onnx_model(*qdq_, "wasm-int8", &bytes);
    if (!s.is_ok()) {
      r.set("error", s.message());
      return r;
    }
    val out = val::global("Uint8Array").new_(bytes.size());
    wi8::js::copy_to_js(bytes.data(), bytes.size(), out);
    r.set("bytes", out);
    return r;
  }

  // The quantized tensors: [{name, min, max, rangeMin, rangeMax, scale, zeroPoint}].
  val quant_report() const {
    val list = val::array();
    for (const wi8::QuantizedTensor& r : report_) {
      val o = val::object();
      o.set("name", r.name);
      o.set("min", r.min);
      o.set("max", r.max);
      o.set("rangeMin", r.range_min);
      o.set("rangeMax", r.range_max);
      o.set("scale", r.params.scale);
      o.set("zeroPoint", r.params.zero_point);
      const auto e = sqnr_.find(r.name);
      if (e != sqnr_.end() && e->second.first > 0) {
        o.set("sqnrDb", e->second.second > 0 ? 10.0 * std::log10(e->second.first / e->second.second)
                                             : std::numeric_limits<double>::infinity());
      }
      list.call<void>("push", o);
    }
    return list;
  }

  // The nodes of the planned graph: [{name, op}] (QLinear* / QGemm and int8 moves run int8).
  val layers() const {
    val list = val::array();
    for (const wi8::GraphNode& n : graph_->nodes) {
      val o = val::object();
      o.set("name", n.name);
      o.set("op", n.op);
      list.call<void>("push", o);
    }
    return list;
  }

  std::string run() {
    if (!plan_) return "no plan";
    wi8::Status s = plan_->run();
    return s.is_ok() ? "" : s.message();
  }

  // Per step type: total ms over `runs` runs, and the step count.
  val profile(int runs) {
    val r = val::object();
    if (!plan_) {
      r.set("error", "Model.profile: call run() once first");
      return r;
    }
    std::vector<double> times;
    for (int k = 0; k < runs; ++k) {
      wi8::Status s = plan_->run_profiled(&times);
      if (!s.is_ok()) {
        r.set("error", s.message());
        return r;
      }
    }
    std::map<std::string, std::pair<double, int>> by_op;
    for (size_t k = 0; k < times.size(); ++k) {
      auto& e = by_op[plan_->steps()[k].op];
      e.first += times[k] / runs;
      e.second += 1;
    }
    val ops = val::array();
    for (const auto& [op, e] : by_op) {
      val o = val::object();
      o.set("op", op);
      o.set("ms", e.first);
      o.set("count", e.second);
      ops.call<void>("push", o);
    }
    r.set("ops", ops);
    val steps = val::array();
    for (size_t k = 0; k < times.size(); ++k) {
      val o = val::object();
      o.set("op", plan_->steps()[k].op);
      o.set("where", plan_->steps()[k].where);
      o.set("ms", times[k] / runs);
      steps.call<void>("push", o);
    }
    r.set("steps", steps);
    return r;
  }

  uintptr_t input_ptr(int k) { return reinterpret_cast<uintptr_t>(plan_->input_data(k)); }
  double input_bytes(int k) const { return static_cast<double>(plan_->input_bytes(k)); }
  uintptr_t output_ptr(int k) const { return reinterpret_cast<uintptr_t>(plan_->output_data(k)); }
  val output_shape(int k) const {
    val dims = val::array();
    for (size_t d : plan_->outputs()[static_cast<size_t>(k)].shape) {
      dims.call<void>("push", static_cast<double>(d));
    }
    return dims;
  }
  std::string output_dtype(int k) const {
    return wi8::dtype_name(plan_->outputs()[static_cast<size_t>(k)].dtype);
  }
  double arena_bytes() const {
    return plan_ ? static_cast<double>(plan_->arena_bytes() + plan_->workspace_bytes()) : 0;
  }
  int steps() const { return plan_ ? static_cast<int>(plan_->steps().size()) : 0; }
  bool planned() const { return plan_ != nullptr; }

 private:
  static size_t js_length(const val& a) { return a["length"].as<size_t>(); }

  // Frozen inputs and provenance of the model this one is derived from.
  void take_inputs_of(const OnnxModelHandle& src) {
    frozen_ = src.frozen_;
    is_frozen_ = src.is_frozen_;
    producer_ = src.producer_;
  }

  // The QDQ graph becomes this model: simplified onto the int8 kernels (or kept as fake
  // quantization), checked, and run from the next plan on.
  std::string adopt_qdq(const std::shared_ptr<wi8::Graph>& qdq, bool simulate) {
    auto g = std::make_shared<wi8::Graph>(*qdq);
    wi8::Status s = wi8::simplify_graph(g.get(), !simulate);
    if (s.is_ok()) s = wi8::check_supported_ops(*g);
    if (!s.is_ok()) return s.message();
    set_graph(g);
    qdq_ = qdq;
    return "";
  }

  void set_graph(const std::shared_ptr<const wi8::Graph>& g) {
    graph_ = g;
    plan_.reset();
    describe(*g);
  }

  // info()'s op counts and constant bytes.
  void describe(const wi8::Graph& g) {
    ops_.clear();
    for (const wi8::GraphNode& n : g.nodes) ++ops_[n.op];
    nodes_ = g.nodes.size();
    constant_bytes_ = 0;
    for (const wi8::TensorDesc& t : g.tensors)
      constant_bytes_ += static_cast<double>(t.data.size());
  }

  std::shared_ptr<const wi8::Graph> graph_;
  std::shared_ptr<const wi8::Graph> qdq_;  // quantized models: the QDQ form (for export)
  std::unique_ptr<std::vector<wi8::Observer>> observers_;
  std::unique_ptr<wi8::TensorCaptures> captures_;
  std::unique_ptr<wi8::BiasCorrection> bias_correction_;   // while bias errors are measured
  std::map<std::string, std::pair<double, double>> sqnr_;  // name -> (signal, noise) energy
  std::vector<wi8::QuantizedTensor> report_;
  std::unique_ptr<wi8::Executor> plan_;
  std::vector<wi8::TensorDesc> frozen_;
  std::vector<bool> is_frozen_;
  std::map<std::string, int> ops_;
  size_t nodes_ = 0;
  double constant_bytes_ = 0;
  std::string producer_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(wasm_int8_onnx_model) {
  emscripten::class_<OnnxModelHandle>("OnnxModel")
      .constructor<>()
      .function("load", &OnnxModelHandle::load)
      .function("beginCalibration", &OnnxModelHandle::begin_calibration)
      .function("endCalibration", &OnnxModelHandle::end_calibration)
      .function("loadQuantized", &OnnxModelHandle::load_quantized)
      .function("quantReport", &OnnxModelHandle::quant_report)
      .function("layers", &OnnxModelHandle::layers)
      .function("toOnnx", &OnnxModelHandle::to_onnx)
      .function("loadBiasMeasurement", &OnnxModelHandle::load_bias_measurement)
      .function("accumulateBiasError", &OnnxModelHandle::accumulate_bias_error)
      .function("applyBiasCorrection", &OnnxModelHandle::apply_bias_correction)
      .function("setCapture", &OnnxModelHandle::set_capture)
      .function("accumulateSqnr", &OnnxModelHandle::accumulate_sqnr)
      .function("inputs", &OnnxModelHandle::inputs)
      .function("outputs", &OnnxModelHandle::outputs)
      .function("info", &OnnxModelHandle::info)
      .function("freeze", &OnnxModelHandle::freeze)
      .function("plan", &OnnxModelHandle::plan)
      .function("run", &OnnxModelHandle::run)
      .function("profile", &OnnxModelHandle::profile)
      .function("inputPtr", &OnnxModelHandle::input_ptr)
      .function("inputBytes", &OnnxModelHandle::input_bytes)
      .function("outputPtr", &OnnxModelHandle::output_ptr)
      .function("outputShape", &OnnxModelHandle::output_shape)
      .function("outputDtype", &OnnxModelHandle::output_dtype)
      .function("arenaBytes", &OnnxModelHandle::arena_bytes)
      .function("steps", &OnnxModelHandle::steps)
      .function("planned", &OnnxModelHandle::planned);
}
