// The ONNX messages the project reads, as plain structs, and the parser from model bytes.
//
// bytes -> parse_onnx_model() -> OnnxModel -> (the graph builder, next) -> graph IR.
// The parser checks the wire format and the types of the fields it reads (every error names the
// message, the field and the byte offset); it does not interpret the model (shapes, ops, data sizes
// are the graph builder's business). Tensor payloads stay views into the model bytes (no copy), so
// the bytes must outlive the OnnxModel. Unknown fields are skipped, as protobuf requires.
// Rejected here: external tensor data, sparse initializers, subgraph attributes (If / Loop / Scan).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/onnx/protobuf.h"

namespace wi8::onnx {

// TensorProto.DataType values used by the project.
enum DataType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
};

struct Tensor {
  std::string name;
  std::vector<int64_t> dims;
  int32_t data_type = kUndefined;
  pb::Bytes raw_data;               // little-endian payload, if stored as raw_data
  std::vector<float> float_data;    // or in the typed fields
  std::vector<int32_t> int32_data;  // (int32, int8, uint8, bool, float16 bits ... per ONNX)
  std::vector<int64_t> int64_data;
  std::vector<double> double_data;
  size_t offset = 0;  // of the TensorProto in the model bytes
};

enum class AttributeType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kInt = 2,
  kString = 3,
  kTensor = 4,
  kGraph = 5,
  kFloats = 6,
  kInts = 7,
  kStrings = 8,
};

struct Attribute {
  std::string name;
  AttributeType type = AttributeType::kUndefined;
  float f = 0.0f;
  int64_t i = 0;
  std::string s;
  std::vector<Tensor> t;  // 0 or 1 (a vector keeps Attribute copyable without a pointer)
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  size_t offset = 0;
};

struct Node {
  std::string name, op_type, domain;
  std::vector<std::string> inputs, outputs;  // "" = an omitted optional input
  std::vector<Attribute> attributes;
  size_t offset = 0;
};

// A graph input / output / value_info: element type and shape (dim < 0 where symbolic or absent).
struct ValueInfo {
  std::string name;
  int32_t elem_type = kUndefined;
  bool has_shape = false;
  std::vector<int64_t> dims;
  std::vector<std::string> dim_params;  // the symbolic name per dim ("" if numeric)
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<ValueInfo> inputs, outputs, value_info;
};

struct OpsetImport {
  std::string domain;  // "" or "ai.onnx" is the default domain
  int64_t version = 0;
};

struct OnnxModel {
  int64_t ir_version = 0;
  std::string producer_name, producer_version;
  std::vector<OpsetImport> opset_imports;
  Graph graph;
  bool has_graph = false;
};

// Limits that keep a hostile model from exhausting memory while parsing.
struct ParseLimits {
  size_t max_nodes = 100000;
  size_t max_initializers = 100000;
  size_t max_dims = 16;
  size_t max_typed_values = size_t{1} << 26;  // values in float_data / int64_data / ... per tensor
};

Status parse_onnx_model(const uint8_t* data, size_t size, OnnxModel* out,
                        const ParseLimits& limits = ParseLimits());

// A serialized TensorProto on its own (the ONNX test suite's input_0.pb / output_0.pb files).
Status parse_onnx_tensor(const uint8_t* data, size_t size, Tensor* out,
                         const ParseLimits& limits = ParseLimits());

}  // namespace wi8::onnx
