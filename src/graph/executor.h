// The executor: a Graph specialised to concrete input shapes, lowered to a list of steps over one
// arena.
//
// Callers first run the passes (simplify.h: Constant nodes to constants, Identity / Dropout
// removed, BatchNorm folded into Conv, Relu / Clip fused into the op before them); create() lowers
// the nodes in topological order (lower.h): shapes are inferred, nodes whose inputs are all
// constant are evaluated at load (fold.h: the Shape / Gather / Cast / Unsqueeze / Concat chains
// exporters emit), and every other node becomes one or more steps that own a prepared op (packed
// weights). Image tensors are NHWC inside: a 4-D value produced by Conv / pooling / Resize stays
// NHWC, and a transpose step is added only where an op needs the ONNX layout (or free aliases where
// the two layouts have the same bytes, e.g. [N, C, 1, 1]). Graph inputs and outputs are in the
// model's layout. Finally planner.h gives every buffer its offset in one arena.
//
// run() reads the inputs from input_data(i) and leaves the outputs at output_data(i); nothing is
// allocated while running.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "ops/shape.h"
#include "quant/observer.h"

namespace wi8 {

struct ExecTensor {
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;
};

// A tensor's values after a run, in the model's layout (int8 dequantized), with its dims.
struct CapturedTensor {
  std::vector<int64_t> dims;
  std::vector<float> values;
};
using TensorCaptures = std::map<std::string, CapturedTensor>;

struct ExecLimits {
  size_t max_arena_bytes = size_t{1} << 31;  // the activations of one plan
};

// One lowered step, for info() and the per-op profile.
struct StepInfo {
  std::string op;     // the kernel-level name, e.g. "Conv2D f32 depthwise", "Transpose"
  std::string where;  // the node it came from
};

class Executor {
 public:
  // g: a graph after simplify_graph() (shared: several plans of one model, e.g. for different
  // batch sizes, read the same constants). input_shapes: one per graph input, in order; must
  // match the declared rank and fixed dims.
  //
  // captures (optional): after every run(), (*captures)[name] holds each named float tensor's
  // values, and each int8 tensor's values dequantized (for the quantization report's SQNR). A
  // map that already holds names when the plan is made captures only those tensors.
  //
  // observers (calibration; optional): resized to the graph's tensor count; every float tensor's
  // values go to observers[tensor id] after the step that computes them, on every run().
  //
  // frozen (optional, one entry per graph input or empty): inputs given as constants at plan
  // time, e.g. the weights or target shape of a model that takes them as inputs. They are folded
  // like initializers and are not inputs of the plan; their input_shapes entry is ignored.
  static Status create(std::shared_ptr<const Graph> g, const std::vector<Shape>& input_shapes,
                       std::unique_ptr<Executor>* out, const ExecLimits& limits = ExecLimits(),
                       const std::vector<const TensorDesc*>& frozen = {},
                       std::vector<Observer>* observers = nullptr,
                       TensorCaptures* captures = nullptr);

  // The plan's inputs: the graph's inputs that are not frozen, in order.
  const std::vector<ExecTensor>& inputs() const { return inputs_; }
  const std::vector<ExecTensor>& outputs() const { return outputs_; }
  uint8_t* input_data(size_t i) { return arena_ptr(input_offsets_[i]); }
  const uint8_t* output_data(size_t i) const { return arena_ptr(output_offsets_[i]); }
  size_t input_bytes(size_t i) const;
  size_t output_bytes(size_t i) const;
  size_t arena_bytes() const { return arena_size_; }
  size_t workspace_bytes() const { return workspace_size_; }
  const std::vector<StepInfo>& steps() const { return step_info_; }

  Status run();
  // As run(), adding each step's wall time (ms) to times[step] (resized to steps().size()).
  Status run_profiled(std::vector<double>* times);

  // What a lowered step runs with (lower.h builds the steps).
  struct StepIO {
    std::vector<const uint8_t*> in;
    std::vector<uint8_t*> out;
    uint8_t* workspace = nullptr;
    size_t workspace_bytes = 0;
  };
  using StepFn = std::function<Status(const StepIO&)>;

 private:
  friend class Lowerer;
  struct Step {
    StepFn fn;
    StepIO io;  // pointers into memory_, fixed at creation
  };
  Executor() = default;
  uint8_t* arena_ptr(size_t offset) { return memory_.data() + base_ + offset; }
  const uint8_t* arena_ptr(size_t offset) const { return memory_.data() + base_ + offset; }

  std::vector<ExecTensor> inputs_, outputs_;
  std::vector<size_t> input_offsets_, output_offsets_;
  std::vector<Step> steps_;
  std::vector<StepInfo> step_info_;
  size_t arena_size_ = 0, workspace_size_ = 0;
  std::shared_ptr<const Graph> graph_;  // the simplified graph: constants the steps read
  std::deque<TensorDesc> folded_;       // constants made at load (stable addresses)
  std::vector<uint8_t> memory_;         // arena, then workspace, plus alignment slack
  size_t base_ = 0;                     // aligned start within memory_
};

}  // namespace wi8
