// import_onnx(): ONNX structs -> Graph (see graph.h).
#include <cstring>
#include <unordered_map>

#include "graph/graph.h"

namespace wi8 {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32:
      return "float32";
    case DType::kInt8:
      return "int8";
    case DType::kUint8:
      return "uint8";
    case DType::kInt32:
      return "int32";
    case DType::kInt64:
      return "int64";
    case DType::kBool:
      return "bool";
  }
  return "?";
}

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat32:
    case DType::kInt32:
      return 4;
    case DType::kInt64:
      return 8;
    default:
      return 1;
  }
}

std::string GraphNode::where() const {
  return "node '" + name + "' (" + op + ", #" + std::to_string(source_index) + ")";
}

namespace {

Status dtype_from_onnx(int32_t t, const std::string& what, DType* out) {
  switch (t) {
    case onnx::kFloat:
      *out = DType::kFloat32;
      return Status::ok();
    case onnx::kInt8:
      *out = DType::kInt8;
      return Status::ok();
    case onnx::kUint8:
      *out = DType::kUint8;
      return Status::ok();
    case onnx::kInt32:
      *out = DType::kInt32;
      return Status::ok();
    case onnx::kInt64:
      *out = DType::kInt64;
      return Status::ok();
    case onnx::kBool:
      *out = DType::kBool;
      return Status::ok();
    default:
      return Status::error("ONNX: " + what + " has data type " + std::to_string(t) +
                           ", which is not supported (float32, int8, uint8, int32, int64, bool)");
  }
}

class Importer {
 public:
  Importer(const ImportLimits& limits, Graph* g) : limits_(limits), g_(g) {}

  // A constant from a TensorProto (initializer or Constant / attribute value).
  Status constant(const onnx::Tensor& t, const std::string& what, TensorDesc* d) {
    d->name = t.name;
    d->constant = true;
    d->has_shape = true;
    WI8_RETURN_IF_ERROR(dtype_from_onnx(t.data_type, what, &d->dtype));
    size_t count = 1;
    for (int64_t dim : t.dims) {
      if (dim < 0) {
        return Status::error("ONNX: " + what + " has a negative dimension (" + std::to_string(dim) +
                             ")");
      }
      const uint64_t u = static_cast<uint64_t>(dim);
      if (u != 0 && count > limits_.max_tensor_bytes / dtype_size(d->dtype) / u) {
        return Status::error("ONNX: " + what + " is larger than the limit of " +
                             std::to_string(limits_.max_tensor_bytes) + " bytes (dims " +
                             dims_string(t.dims) + ")");
      }
      count *= static_cast<size_t>(u);
    }
    d->dims = t.dims;
    const size_t bytes = count * dtype_size(d->dtype);
    if (bytes > limits_.max_total_constant_bytes - total_constant_bytes_) {
      return Status::error("ONNX: the constants exceed the limit of " +
                           std::to_string(limits_.max_total_constant_bytes) + " bytes in all");
    }
    total_constant_bytes_ += bytes;
    d->data.resize(bytes);
    auto mismatch = [&](const char* field, size_t got) {
      return Status::error("ONNX: " + what + " holds " + std::to_string(got) + " values in " +
                           field + " but its shape " + dims_string(t.dims) + " needs " +
                           std::to_string(count));
    };
    if (t.raw_data.data != nullptr || t.raw_data.size != 0) {
      if (t.raw_data.size != bytes) {
        return Status::error("ONNX: " + what + " has " + std::to_string(t.raw_data.size) +
                             " bytes of raw_data but its shape " + dims_string(t.dims) + " (" +
                             dtype_name(d->dtype) + ") needs " + std::to_string(bytes) +
                             " (at byte offset " + std::to_string(t.raw_data.offset) + ")");
      }
      if (bytes) std::memcpy(d->data.data(), t.raw_data.data, bytes);
      return Status::ok();
    }
    switch (d->dtype) {
      case DType::kFloat32:
        if (t.float_data.size() != count) return mismatch("float_data", t.float_data.size());
        if (bytes) std::memcpy(d->data.data(), t.float_data.data(), bytes);
        break;
      case DType::kInt64:
        if (t.int64_data.size() != count) return mismatch("int64_data", t.int64_data.size());
        if (bytes) std::memcpy(d->data.data(), t.int64_data.data(), bytes);
        break;
      case DType::kInt32:
        if (t.int32_data.size() != count) return mismatch("int32_data", t.int32_data.size());
        if (bytes) std::memcpy(d->data.data(), t.int32_data.data(), bytes);
        break;
      default:  // int8, uint8, bool: one value per int32_data entry
        if (t.int32_data.size() != count) return mismatch("int32_data", t.int32_data.size());
        for (size_t k = 0; k < count; ++k) d->data[k] = static_cast<uint8_t>(t.int32_data[k]);
    }
    return Status::ok();
  }

  Status run(const onnx::OnnxModel& m) {
    WI8_RETURN_IF_ERROR(opset(m));
    const onnx::Graph& og = m.graph;
    for (size_t k = 0; k < og.initializers.size(); ++k) {
      const onnx::Tensor& t = og.initializers[k];
      TensorDesc d;
      WI8_RETURN_IF_ERROR(constant(t, "initializer '" + t.name + "'", &d));
      WI8_RETURN_IF_ERROR(define(std::move(d), "initializer"));
    }
    for (const onnx::ValueInfo& v : og.inputs) {
      if (ids_.count(v.name)) continue;  // IR < 4: initializers may also be listed as inputs
      TensorDesc d;
      d.name = v.name;
      WI8_RETURN_IF_ERROR(dtype_from_onnx(v.elem_type, "graph input '" + v.name + "'", &d.dtype));
      d.has_shape = v.has_shape;
      d.dims = v.dims;
      int id;
      WI8_RETURN_IF_ERROR(define(std::move(d), "graph input", &id));
      g_->inputs.push_back(id);
    }
    // Every node output is defined before any input is resolved: the model's node order need not
    // be topological.
    std::vector<GraphNode> nodes(og.nodes.size());
    for (size_t k = 0; k < og.nodes.size(); ++k) {
      const onnx::Node& on = og.nodes[k];
      GraphNode& n = nodes[k];
      n.name = on.name.empty() ? "#" + std::to_string(k) : on.name;
      n.op = on.op_type;
      n.source_index = k;
      // onnxruntime's quantized contrib ops (QOperator models) are accepted from its domain.
      const bool contrib =
          on.domain == "com.microsoft" &&
          (on.op_type == "QLinearAdd" || on.op_type == "QLinearMul" ||
           on.op_type == "QLinearGlobalAveragePool" || on.op_type == "QLinearAveragePool" ||
           on.op_type == "QLinearConcat" || on.op_type == "QGemm");
      if (!on.domain.empty() && on.domain != "ai.onnx" && !contrib) {
        return Status::error("ONNX: " + n.where() + ": operator domain '" + on.domain +
                             "' is not supported (only the default ONNX domain)");
      }
      for (const std::string& o : on.outputs) {
        if (o.empty()) {
          n.outputs.push_back(-1);
          continue;
        }
        TensorDesc d;
        d.name = o;
        int id;
        WI8_RETURN_IF_ERROR(define(std::move(d), n.where() + " output", &id));
        n.outputs.push_back(id);
        producer_[id] = static_cast<int>(k);
      }
    }
    for (size_t k = 0; k < og.nodes.size(); ++k) {
      const onnx::Node& on = og.nodes[k];
      GraphNode& n = nodes[k];
      for (const std::string& in : on.inputs) {
        if (in.empty()) {
          n.inputs.push_back(-1);
          continue;
        }
        const auto it = ids_.find(in);
        if (it == ids_.end()) {
          return Status::error("ONNX: " + n.where() + ": input '" + in +
                               "' is not produced by any node, graph input or initializer");
        }
        n.inputs.push_back(it->second);
      }
      for (const onnx::Attribute& a : on.attributes) {
        Attr attr;
        WI8_RETURN_IF_ERROR(attribute(a, n, &attr));
        n.attrs.push_back(std::move(attr));
      }
    }
    WI8_RETURN_IF_ERROR(sort(std::move(nodes)));
    for (const onnx::ValueInfo& v : og.outputs) {
      const auto it = ids_.find(v.name);
      if (it == ids_.end()) {
        return Status::error("ONNX: graph output '" + v.name + "' is not produced by any node");
      }
      g_->outputs.push_back(it->second);
      WI8_RETURN_IF_ERROR(declared_type(v, "graph output '" + v.name + "'"));
    }
    for (const onnx::ValueInfo& v : og.value_info) {
      if (ids_.count(v.name)) WI8_RETURN_IF_ERROR(declared_type(v, "value_info '" + v.name + "'"));
    }
    if (g_->outputs.empty()) return Status::error("ONNX: the graph has no outputs");
    return Status::ok();
  }

 private:
  static std::string dims_string(const std::vector<int64_t>& dims) {
    std::string s = "[";
    for (size_t k = 0; k < dims.size(); ++k) s += (k ? ", " : "") + std::to_string(dims[k]);
    return s + "]";
  }

  Status opset(const onnx::OnnxModel& m) {
    for (const onnx::OpsetImport& o : m.opset_imports) {
      if (o.domain.empty() || o.domain == "ai.onnx") g_->opset = o.version;
    }
    if (g_->opset < kMinOpset || g_->opset > kMaxOpset) {
      return Status::error("ONNX: opset " + std::to_string(g_->opset) +
                           " of the default domain is not supported (" + std::to_string(kMinOpset) +
                           " to " + std::to_string(kMaxOpset) + ")");
    }
    return Status::ok();
  }

  // A node output's declared dtype and shape (graph outputs, value_info), kept until shape
  // inference checks it. Outputs of types we do not run (e.g. sequences) keep no type.
  Status declared_type(const onnx::ValueInfo& v, const std::string& what) {
    TensorDesc& t = g_->tensors[static_cast<size_t>(ids_.at(v.name))];
    if (t.constant || t.has_shape || v.elem_type == onnx::kUndefined) return Status::ok();
    WI8_RETURN_IF_ERROR(dtype_from_onnx(v.elem_type, what, &t.dtype));
    t.has_shape = v.has_shape;
    t.dims = v.dims;
    return Status::ok();
  }

  Status define(TensorDesc d, const std::string& what, int* id = nullptr) {
    if (d.name.empty()) return Status::error("ONNX: a tensor (" + what + ") has no name");
    if (ids_.count(d.name)) {
      return Status::error("ONNX: tensor '" + d.name + "' (" + what +
                           ") is defined more than once");
    }
    const int new_id = static_cast<int>(g_->tensors.size());
    ids_.emplace(d.name, new_id);
    g_->tensors.push_back(std::move(d));
    if (id) *id = new_id;
    return Status::ok();
  }

  Status attribute(const onnx::Attribute& a, const GraphNode& n, Attr* out) {
    out->name = a.name;
    switch (a.type) {
      case onnx::AttributeType::kFloat:
        out->kind = AttrKind::kFloat;
        out->f = a.f;
        break;
      case onnx::AttributeType::kInt:
        out->kind = AttrKind::kInt;
        out->i = a.i;
        break;
      case onnx::AttributeType::kString:
        out->kind = AttrKind::kString;
        out->s = a.s;
        break;
      case onnx::AttributeType::kFloats:
        out->kind = AttrKind::kFloats;
        out->floats = a.floats;
        break;
      case onnx::AttributeType::kInts:
        out->kind = AttrKind::kInts;
        out->ints = a.ints;
        break;
      case onnx::AttributeType::kTensor: {
        if (a.t.empty()) {
          return Status::error("ONNX: " + n.where() + ": attribute '" + a.name +
                               "' has type TENSOR but no tensor");
        }
        TensorDesc d;
        WI8_RETURN_IF_ERROR(constant(a.t[0], n.where() + " attribute '" + a.name + "'", &d));
        d.name = "";  // attribute tensors are not graph values
        out->kind = AttrKind::kTensor;
        out->tensor = static_cast<int>(g_->tensors.size());
        g_->tensors.push_back(std::move(d));
        break;
      }
      default:
        return Status::error("ONNX: " + n.where() + ": attribute '" + a.name + "' has type " +
                             std::to_string(static_cast<int>(a.type)) + ", which is not supported");
    }
    return Status::ok();
  }

  // Kahn's algorithm; nodes left over are on a cycle.
  Status sort(std::vector<GraphNode> nodes) {
    const size_t n = nodes.size();
    std::vector<int> pending(n, 0);
    std::vector<std::vector<int>> users(n);
    for (size_t k = 0; k < n; ++k) {
      for (int in : nodes[k].inputs) {
        const auto it = producer_.find(in);
        if (in < 0 || it == producer_.end()) continue;
        ++pending[k];
        users[static_cast<size_t>(it->second)].push_back(static_cast<int>(k));
      }
    }
    std::vector<int> ready;
    for (size_t k = n; k-- > 0;) {
      if (pending[k] == 0) ready.push_back(static_cast<int>(k));
    }
    std::vector<bool> done(n, false);
    while (!ready.empty()) {
      const int k = ready.back();
      ready.pop_back();
      done[static_cast<size_t>(k)] = true;
      for (int u : users[static_cast<size_t>(k)]) {
        if (--pending[static_cast<size_t>(u)] == 0) ready.push_back(u);
      }
      g_->nodes.push_back(std::move(nodes[static_cast<size_t>(k)]));
    }
    if (g_->nodes.size() != n) {
      for (size_t k = 0; k < n; ++k) {
        if (!done[k]) {
          return Status::error("ONNX: the graph has a cycle through " + nodes[k].where());
        }
      }
    }
    return Status::ok();
  }

  ImportLimits limits_;
  Graph* g_;
  size_t total_constant_bytes_ = 0;
  std::unordered_map<std::string, int> ids_;
  std::unordered_map<int, int> producer_;  // tensor id -> node index (model order)
};

}  // namespace

Status decode_onnx_tensor(const onnx::Tensor& t, const std::string& what, TensorDesc* out,
                          const ImportLimits& limits) {
  Graph unused;
  return Importer(limits, &unused).constant(t, what, out);
}

Status import_onnx(const onnx::OnnxModel& model, Graph* out, const ImportLimits& limits) {
  *out = Graph();
  return Importer(limits, out).run(model);
}

}  // namespace wi8
