// The lowering: a simplified Graph (simplify.h) with concrete input shapes -> an Executor's steps
// (executor.h). The Lowerer walks the nodes in order and keeps, for every graph tensor, a Value:
// a constant (folded at load), or a runtime tensor with its logical (ONNX) shape, its layout
// (NHWC or the model's) and the arena buffer that holds it.
//
// Adding an op: write `Status lower_<op>(Lowerer& L, const GraphNode& n)` in lower_ops.cc that
// reads inputs with L.input(), converts layout with L.nhwc() / L.canonical() as the op needs,
// creates the prepared op (src/ops) and adds one step with L.add_step(); register it in
// lower_ops.cc's table. Constant inputs are read with L.constant(); an op that is also
// evaluated at load time belongs in fold.cc.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "graph/executor.h"
#include "graph/graph.h"
#include "quant/quant.h"

namespace wi8 {

constexpr size_t kNoStep = ~size_t{0};

struct Value {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> dims;                // logical, in the model's axis order
  const TensorDesc* constant = nullptr;     // set for constants
  int buffer = -1;                          // runtime values
  bool nhwc = false;                        // rank 4 stored as [N, H, W, C]
  int nhwc_twin = -1, canonical_twin = -1;  // cached layout conversions
  // int8 values: quantization parameters (set by the op that produces it). uint8 tensors of the
  // model are held as int8 with the zero point shifted by -128 (from_u8), and shifted back where
  // they leave the graph.
  QuantParams q;
  bool has_q = false;
  bool from_u8 = false;
  int s8_twin = -1;
};

class Lowerer {
 public:
  Lowerer(const Graph& g, Executor* ex, const ExecLimits& limits,
          std::vector<Observer>* observers = nullptr, TensorCaptures* captures = nullptr)
      : g_(g),
        ex_(*ex),
        limits_(limits),
        observers_(observers),
        captures_(captures),
        capture_all_(captures && captures->empty()) {}

  Status run(const std::vector<Shape>& input_shapes, const std::vector<const TensorDesc*>& frozen);

  // --- for the op lowerings ---
  const Graph& graph() const { return g_; }
  // Value id of input k of n, or -1 when omitted.
  int input(const GraphNode& n, size_t k) const;
  const Value& value(int v) const { return values_[static_cast<size_t>(v)]; }
  const TensorDesc* constant(int v) const { return v < 0 ? nullptr : value(v).constant; }
  // Physical shape of a runtime value ([N, H, W, C] when NHWC).
  Shape physical(int v) const;
  size_t elements(int v) const;

  // Layout conversions (a transpose step, or an alias when the bytes are the same).
  Status nhwc(const GraphNode& n, int v, int* out);
  Status canonical(const GraphNode& n, int v, int* out);
  // A runtime value for v: constants are copied into a buffer by a step.
  Status runtime(const GraphNode& n, int v, int* out);
  // An int8 runtime value for v: uint8 values (and constants) are shifted by 128 (from_u8 set).
  Status s8(const GraphNode& n, int v, int* out);
  // Sets the quantization of value v.
  void set_quant(int v, const QuantParams& q, bool from_u8);
  // A new runtime value with its own buffer, or one sharing v's buffer (a view: same bytes).
  Status new_value(const GraphNode& n, DType t, std::vector<int64_t> dims, bool nhwc, int* out);
  int alias(int v, std::vector<int64_t> dims, bool nhwc);

  // Output k of n is v / the constant t.
  void bind(const GraphNode& n, size_t k, int v);
  void bind_constant(const GraphNode& n, size_t k, TensorDesc t);

  Status add_step(const std::string& op, const GraphNode& n, const std::vector<int>& in,
                  const std::vector<int>& out, size_t workspace_bytes, Executor::StepFn fn);

  // A failed op creation, prefixed with the node.
  static Status at(const GraphNode& n, const Status& s);

 private:
  int add_value(Value v);
  Status transpose_step(const GraphNode& n, int v, const std::vector<int64_t>& perm, bool to_nhwc,
                        int* out);
  Status lower_node(const GraphNode& n);
  Status finish();
  // Calibration: an observe step for each float tensor bound since the last call.
  Status flush_observations(const GraphNode& n);

  const Graph& g_;
  Executor& ex_;
  ExecLimits limits_;
  std::deque<Value> values_;       // a deque: references stay valid as values are added
  std::vector<int> tensor_value_;  // graph tensor id -> value id
  struct Buffer {
    size_t bytes = 0;
    size_t first = kNoStep, last = 0;
  };
  std::vector<Buffer> buffers_;
  struct PendingStep {
    std::vector<int> in, out;
    size_t workspace = 0;
  };
  std::vector<PendingStep> pending_;
  std::vector<Observer>* observers_ = nullptr;
  TensorCaptures* captures_ = nullptr;
  bool capture_all_ = false;  // else only the names captures_ held when planning began
  std::vector<std::pair<int, int>> to_observe_;  // (tensor id, value id)
};

// The op table of lower_ops.cc: null when the op is not supported.
using LowerFn = Status (*)(Lowerer& L, const GraphNode& n);
LowerFn find_lowering(const std::string& op);
// The supported ops, for messages and info().
std::vector<std::string> supported_ops();
// Fails, naming the first node, if the graph has an op that neither runs nor folds at load.
Status check_supported_ops(const Graph& g);

}  // namespace wi8
