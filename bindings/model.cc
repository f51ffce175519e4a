// ONNX model inspection for JavaScript: bytes -> reader -> graph import -> a plain summary object.
// The first piece of loadModel(): it runs the same checks a model load will.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <map>
#include <string>
#include <vector>

#include "bindings/js_util.h"
#include "graph/graph.h"
#include "model/onnx/onnx_model.h"

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

}  // namespace

EMSCRIPTEN_BINDINGS(wasm_int8_model) { emscripten::function("inspectOnnx", &inspect_onnx); }
