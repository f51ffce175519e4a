// ONNX export: a Graph (e.g. the QDQ form of a quantized model, graph/quantize_graph.h) as a
// standard ONNX model (opset 13) that other runtimes load: constants as initializers (raw_data;
// int8 weights stay int8), the clamps the passes fused into ops written out again as Relu / Clip
// nodes, symbolic input dimensions as dim_param "N".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"

namespace wi8::onnx {

Status write_onnx_model(const wi8::Graph& g, const std::string& producer,
                        std::vector<uint8_t>* out);

}  // namespace wi8::onnx
