// Constant folding: evaluates a node whose inputs are all constant, at load time. Covers the
// shape arithmetic exporters emit around Reshape (Shape -> Gather -> Unsqueeze -> Concat, Cast,
// ConstantOfShape, Slice, Add / Sub / Mul / Div), plus Transpose, Flatten, Squeeze, Reshape and
// DequantizeLinear of constant weights. Shape itself is folded by the lowering, which knows
// every value's shape.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"

namespace wi8 {

// Limit on the elements a folded tensor may have (it is built in memory at load).
constexpr size_t kMaxFoldElements = size_t{1} << 24;

// in: the node's inputs (null for an omitted optional one). *done is false, and out untouched,
// when `n.op` is not one this evaluates; errors name the node.
// Attribute tensors (ConstantOfShape's value) are looked up in g.
Status fold_constant_node(const Graph& g, const GraphNode& n,
                          const std::vector<const TensorDesc*>& in, std::vector<TensorDesc>* out,
                          bool* done);

// True for the ops fold_constant_node() evaluates (when their inputs are constant).
bool foldable_op(const std::string& op);

// Shape rules shared with the lowering, which applies them to runtime values. Errors name `n`.
Status node_error(const GraphNode& n, const std::string& what);
Status normalize_axis(const GraphNode& n, int64_t axis, size_t rank, size_t* out);
// ONNX Reshape's target: 0 copies the input dim (unless allowzero), one -1 is inferred.
Status reshape_dims(const GraphNode& n, const std::vector<int64_t>& in, bool allowzero,
                    std::vector<int64_t>* shape);
Status squeeze_dims(const GraphNode& n, const std::vector<int64_t>& in,
                    const std::vector<int64_t>& axes, bool unsqueeze, std::vector<int64_t>* out);
Status flatten_dims(const GraphNode& n, const std::vector<int64_t>& in, std::vector<int64_t>* out);

}  // namespace wi8
