// Post-training quantization of a graph: the fp32 graph (after simplify_graph) and calibration
// observers (executor.h) -> the same graph in QDQ form, following the scheme of quant.h:
// - every float tensor computed at run time (graph inputs, node outputs) gets QuantizeLinear ->
//   DequantizeLinear with asymmetric int8 parameters from its calibrated range (0 exact; graph
//   outputs always take their min / max: their extremes are the answer, not outliers); a fused
//   Relu / ReLU6 is inside that range already (the observers saw the clamped values);
// - Conv weights: per-output-channel symmetric int8 (Gemm / MatMul: per output column), with a
//   DequantizeLinear (axis = output channel); biases int32 with scale input x weight scale.
// simplify_graph() then turns the groups into int8 ops (qdq.h) — or leaves them as fake
// quantization for the simulate mode. The QDQ graph is also what a QDQ ONNX export writes.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "quant/observer.h"
#include "quant/quant.h"

namespace wi8 {

struct QuantizeOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  bool per_channel = true;  // false: one scale per weight tensor
};

// One quantized tensor of the report.
struct QuantizedTensor {
  std::string name;
  float min = 0, max = 0;              // observed
  float range_min = 0, range_max = 0;  // chosen by the method
  QuantParams params;
};

Status quantize_graph(const Graph& fp32, const std::vector<Observer>& observers,
                      const QuantizeOptions& options, Graph* qdq,
                      std::vector<QuantizedTensor>* report);

}  // namespace wi8
