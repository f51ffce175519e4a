// The graph IR: tensors (with dtype, shape, and data for constants) and nodes in topological order.
//
// bytes -> model reader (src/model) -> Graph (this) -> passes -> executor -> ops -> kernels.
// import_onnx() builds a Graph from a parsed ONNX model and checks what every later stage relies
// on: supported opset and dtypes, constant data that matches its shape (sizes overflow-checked),
// every input produced exactly once, no cycles. Op-specific checks (attributes, shapes) belong to
// the passes that interpret each op.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/onnx/onnx_model.h"

namespace wi8 {

enum class DType : uint8_t { kFloat32, kInt8, kUint8, kInt32, kInt64, kBool };

const char* dtype_name(DType t);
size_t dtype_size(DType t);

struct TensorDesc {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> dims;  // -1: unknown (symbolic or not given)
  bool has_shape = false;     // false: rank unknown too
  bool constant = false;
  std::vector<uint8_t> data;  // constants: the values, little-endian, row-major
};

enum class AttrKind : uint8_t { kFloat, kInt, kString, kFloats, kInts, kTensor };

struct Attr {
  std::string name;
  AttrKind kind = AttrKind::kInt;
  float f = 0.0f;
  int64_t i = 0;
  std::string s;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  int tensor = -1;  // kTensor: a constant tensor id
};

struct GraphNode {
  std::string name;  // the model's node name, or "#<index>" when it has none
  std::string op;
  std::vector<int> inputs;   // tensor ids; -1 = an omitted optional input
  std::vector<int> outputs;  // tensor ids
  std::vector<Attr> attrs;
  size_t source_index = 0;  // position in the model, for messages

  const Attr* attr(const std::string& n) const {
    for (const Attr& a : attrs) {
      if (a.name == n) return &a;
    }
    return nullptr;
  }
  // "node 'conv1' (Conv, #3)": how messages name a node.
  std::string where() const;
};

struct Graph {
  int64_t opset = 0;  // of the default ONNX domain
  std::vector<TensorDesc> tensors;
  std::vector<GraphNode> nodes;  // topologically sorted
  std::vector<int> inputs, outputs;
};

struct ImportLimits {
  size_t max_tensor_bytes = size_t{1} << 30;          // one constant
  size_t max_total_constant_bytes = size_t{1} << 30;  // all constants together
};

// Opsets of the default domain the importer accepts. The ONNX test suite stores a model at the
// opset where its op last changed (GlobalAveragePool: 1), so any opset up to the newest known one
// is accepted here; an op whose semantics changed across versions is checked where it is
// interpreted (the op mapping), with the node's opset.
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 21;

Status import_onnx(const onnx::OnnxModel& model, Graph* out,
                   const ImportLimits& limits = ImportLimits());

// One TensorProto's values (raw_data or typed fields), checked against its shape, as a constant.
// `what` names it in errors.
Status decode_onnx_tensor(const onnx::Tensor& t, const std::string& what, TensorDesc* out,
                          const ImportLimits& limits = ImportLimits());

}  // namespace wi8
