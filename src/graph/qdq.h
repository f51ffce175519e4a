// QDQ -> QOperator: a QDQ model marks each int8 op as DequantizeLinear on its inputs, the float op,
// then QuantizeLinear on its output (as onnxruntime's quantizer and torch.onnx.export of a PTQ
// model write them). fuse_qdq() rewrites each such group into the QOperator node that runs it on
// the int8 kernels (lower_ops_s8.cc):
//   Conv -> QLinearConv, MatMul -> QLinearMatMul, Gemm -> QGemm, Add / Mul -> QLinearAdd / Mul,
//   GlobalAveragePool / AveragePool -> QLinear..Pool, Concat -> QLinearConcat,
//   MaxPool, Reshape, Flatten (same parameters in and out) -> the op on the int8 tensor.
// A Relu / Clip between the op and the QuantizeLinear becomes the op's fused clamp. Float biases
// are quantized with scale input_scale x weight_scale. Groups that do not match stay float; their
// DequantizeLinear / QuantizeLinear nodes run as they are (mixed precision).
#pragma once

#include "core/status.h"
#include "graph/graph.h"

namespace wi8 {

Status fuse_qdq(Graph* g);

}  // namespace wi8
