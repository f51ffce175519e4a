// libFuzzer target: model bytes -> ONNX reader -> graph import -> passes -> lowering (shapes from
// the declared dims, open ones as 1) -> one run on zero inputs. Built by `npm run fuzz` with clang
// (-fsanitize=fuzzer,address,undefined); any crash, sanitizer report or leak is a finding. The
// limits are lower than the defaults so that one input cannot take the fuzzer's memory.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/lower.h"
#include "graph/simplify.h"
#include "model/onnx/onnx_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wi8::onnx::ParseLimits limits;
  limits.max_nodes = 10000;
  limits.max_typed_values = size_t{1} << 20;
  wi8::onnx::OnnxModel model;
  if (!wi8::onnx::parse_onnx_model(data, size, &model, limits).is_ok()) return 0;
  wi8::ImportLimits import_limits;
  import_limits.max_tensor_bytes = size_t{1} << 24;
  import_limits.max_total_constant_bytes = size_t{1} << 26;
  auto graph = std::make_shared<wi8::Graph>();
  if (!wi8::import_onnx(model, graph.get(), import_limits).is_ok()) return 0;
  if (!wi8::simplify_graph(graph.get()).is_ok()) return 0;
  if (!wi8::check_supported_ops(*graph).is_ok()) return 0;
  // Inputs of at most 2^18 elements each: larger ones are legitimate work (a 13M-element MaxPool
  // took 9 s under ASan), not bugs, and would only slow the fuzzer down.
  std::vector<wi8::Shape> shapes;
  for (int id : graph->inputs) {
    const wi8::TensorDesc& t = graph->tensors[static_cast<size_t>(id)];
    wi8::Shape s;
    size_t elements = 1;
    for (int64_t d : t.dims) {
      s.push_back(d < 0 ? 1 : static_cast<size_t>(d > 4096 ? 4096 : d));
      elements *= s.back();
      if (elements > (size_t{1} << 18)) return 0;
    }
    shapes.push_back(s);
  }
  wi8::ExecLimits exec_limits;
  exec_limits.max_arena_bytes = size_t{1} << 26;
  std::unique_ptr<wi8::Executor> ex;
  if (!wi8::Executor::create(graph, shapes, &ex, exec_limits).is_ok()) return 0;
  (void)ex->run();
  return 0;
}
