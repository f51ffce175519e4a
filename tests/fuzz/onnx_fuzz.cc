// libFuzzer target: model bytes -> ONNX reader -> graph import. Built by `npm run fuzz` with clang
// (-fsanitize=fuzzer,address,undefined); any crash, sanitizer report or leak is a finding.
// Later stages (passes, one run on zero inputs) join as they land.
#include <cstddef>
#include <cstdint>

#include "graph/graph.h"
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
  wi8::Graph graph;
  (void)wi8::import_onnx(model, &graph, import_limits);
  return 0;
}
