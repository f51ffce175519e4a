// Graph passes that need no shapes, run before lowering (executor.h):
// - Constant nodes become constant tensors, and nodes on constants are evaluated (fold.h);
// - Identity and Dropout (inference: identity) are bypassed, except where their output is a
//   graph output (its name must survive);
// - BatchNormalization after a Conv with constant weights is folded into the Conv's weights and
//   bias (w' = w * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps));
// - DequantizeLinear -> op -> QuantizeLinear groups become QOperator nodes (qdq.h);
// - Relu and Clip with constant bounds after Conv / Gemm / MatMul / Add are fused into it as a
//   clamp (attributes kFusedMin / kFusedMax), when the op's output has no other reader.
// Nodes are only removed, rewired or replaced in place; the order stays topological. Nodes whose
// outputs nobody reads are removed.
#pragma once

#include "core/status.h"
#include "graph/graph.h"

namespace wi8 {

constexpr const char* kFusedMin = "wi8.activation_min";
constexpr const char* kFusedMax = "wi8.activation_max";

// fuse_qdq = false keeps DequantizeLinear / QuantizeLinear as float steps (the simulate mode of a
// quantized model: fake quantization on the fp32 kernels). fuse_activations = false leaves Relu
// and Clip as their own nodes.
Status simplify_graph(Graph* g, bool fuse_qdq = true, bool fuse_activations = true);

// The inverse of the activation fusion: an op with a fused clamp writes "<output>" +
// kPreactivationSuffix and a
// Clip with constant bounds writes the output. Bias correction (bias_correction.h) measures the
// pre-activation values this way.
constexpr const char* kPreactivationSuffix = ".preact";
void split_fused_activations(Graph* g);

// Frees the data of constants no node reads (folded, fused, replaced by their quantized form).
void drop_unused_constants(Graph* g);

// Values of a float or integer constant as float / int64 (converting), for attribute-like inputs.
std::vector<float> constant_floats(const TensorDesc& t);
std::vector<int64_t> constant_ints(const TensorDesc& t);
size_t element_count(const TensorDesc& t);

}  // namespace wi8
