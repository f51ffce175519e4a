#include "model/onnx/onnx_model.h"

#include <cstring>

namespace wi8::onnx {

namespace {

using pb::Bytes;
using pb::Reader;
using pb::WireType;

// Field numbers from onnx.proto.
namespace model_f {
constexpr uint32_t kIrVersion = 1, kProducerName = 2, kProducerVersion = 3, kGraph = 7,
                   kOpsetImport = 8;
}
namespace opset_f {
constexpr uint32_t kDomain = 1, kVersion = 2;
}
namespace graph_f {
constexpr uint32_t kNode = 1, kName = 2, kInitializer = 5, kInput = 11, kOutput = 12,
                   kValueInfo = 13, kSparseInitializer = 15;
}
namespace node_f {
constexpr uint32_t kInput = 1, kOutput = 2, kName = 3, kOpType = 4, kAttribute = 5, kDomain = 7;
}
namespace attr_f {
constexpr uint32_t kName = 1, kF = 2, kI = 3, kS = 4, kT = 5, kG = 6, kFloats = 7, kInts = 8,
                   kStrings = 9, kTensors = 10, kGraphs = 11, kType = 20;
}
namespace tensor_f {
constexpr uint32_t kDims = 1, kDataType = 2, kFloatData = 4, kInt32Data = 5, kInt64Data = 7,
                   kName = 8, kRawData = 9, kDoubleData = 10, kExternalData = 13,
                   kDataLocation = 14;
}
namespace value_info_f {
constexpr uint32_t kName = 1, kType = 2;
}
namespace type_f {
constexpr uint32_t kTensorType = 1;
}
namespace tensor_type_f {
constexpr uint32_t kElemType = 1, kShape = 2;
}
namespace shape_f {
constexpr uint32_t kDim = 1;
}
namespace dim_f {
constexpr uint32_t kDimValue = 1, kDimParam = 2;
}

class Parser {
 public:
  explicit Parser(const ParseLimits& limits) : limits_(limits) {}

  Status model(Reader r, OnnxModel* m) {
    while (!r.done()) {
      uint32_t f;
      WireType t;
      WI8_RETURN_IF_ERROR(r.key(&f, &t));
      Bytes b;
      switch (f) {
        case model_f::kIrVersion:
          WI8_RETURN_IF_ERROR(r.int64(t, "ModelProto.ir_version", &m->ir_version));
          break;
        case model_f::kProducerName:
          WI8_RETURN_IF_ERROR(r.string(t, "ModelProto.producer_name", &m->producer_name));
          break;
        case model_f::kProducerVersion:
          WI8_RETURN_IF_ERROR(r.string(t, "ModelProto.producer_version", &m->producer_version));
          break;
        case model_f::kOpsetImport: {
          WI8_RETURN_IF_ERROR(r.message(t, "ModelProto.opset_import", &b));
          OpsetImport o;
          WI8_RETURN_IF_ERROR(opset(Reader(b), &o));
          m->opset_imports.push_back(o);
          break;
        }
        case model_f::kGraph:
          if (m->has_graph) return r.error("ModelProto: more than one graph");
          WI8_RETURN_IF_ERROR(r.message(t, "ModelProto.graph", &b));
          WI8_RETURN_IF_ERROR(graph(Reader(b), &m->graph));
          m->has_graph = true;
          break;
        default:
          WI8_RETURN_IF_ERROR(r.skip(t));
      }
    }
    return Status::ok();
  }

  Status tensor_message(Reader r, Tensor* x) { return tensor(std::move(r), x); }

 private:
  Status opset(Reader r, OpsetImport* o) {
    while (!r.done()) {
      uint32_t f;
      WireType t;
      WI8_RETURN_IF_ERROR(r.key(&f, &t));
      if (f == opset_f::kDomain) {
        WI8_RETURN_IF_ERROR(r.string(t, "OperatorSetIdProto.domain", &o->domain));
      } else if (f == opset_f::kVersion) {
        WI8_RETURN_IF_ERROR(r.int64(t, "OperatorSetIdProto.version", &o->version));
      } else {
        WI8_RETURN_IF_ERROR(r.skip(t));
      }
    }
    return Status::ok();
  }

  Status graph(Reader r, Graph* g) {
    while (!r.done()) {
      const size_t at = r.offset();
      uint32_t f;
      WireType t;
      WI8_RETURN_IF_ERROR(r.key(&f, &t));
      Bytes b;
      switch (f) {
        case graph_f::kName:
          WI8_RETURN_IF_ERROR(r.string(t, "GraphProto.name", &g->name));
          break;
        case graph_f::kNode:
          if (g->nodes.size() >= limits_.max_nodes) {
            return r.error("GraphProto: more than " + std::to_string(limits_.max_nodes) + " nodes");
          }
          WI8_RETURN_IF_ERROR(r.message(t, "GraphProto.node", &b));
          g->nodes.emplace_back();
          g->nodes.back().offset = at;
          WI8_RETURN_IF_ERROR(node(Reader(b), &g->nodes.back()));
          break;
        case graph_f::kInitializer:
          if (g->initializers.size() >= limits_.max_initializers) {
            return r.error("GraphProto: more than " + std::to_string(limits_.max_initializers) +
                           " initializers");
          }
          WI8_RETURN_IF_ERROR(r.message(t, "GraphProto.initializer", &b));
          g->initializers.emplace_back();
          g->initializers.back().offset = at;
          WI8_RETURN_IF_ERROR(tensor(Reader(b), &g->initializers.back()));
          break;
        case graph_f::kInput:
        case graph_f::kOutput:
        case graph_f::kValueInfo: {
          WI8_RETURN_IF_ERROR(r.message(t, "GraphProto value info", &b));
          ValueInfo v;
          WI8_RETURN_IF_ERROR(value_info(Reader(b), &v));
          (f == graph_f::kInput    ? g->inputs
           : f == graph_f::kOutput ? g->outputs
                                   : g->value_info)
              .push_back(std::move(v));
          break;
        }
        case graph_f::kSparseInitializer:
          return r.error("GraphProto.sparse_initializer is not supported");
        default:
          WI8_RETURN_IF_ERROR(r.skip(t));
      }
    }
    return Status::ok();
  }

  Status node(Reader r, Node* n) {
    while (!r.done()) {
      const size_t at = r.offset();
      uint32_t f;
      WireType t;
      WI8_RETURN_IF_ERROR(r.key(&f, &t));
      std::string s;
      Bytes b;
      switch (f) {
        case node_f::kInput:
          WI8_RETURN_IF_ERROR(r.string(t, "NodeProto.input", &s));
          n->inputs.push_back(std::move(s));
          break;
        case node_f::kOutput:
          WI8_RETURN_IF_ERROR(r.string(t, "NodeProto.output", &s));
          n->outputs.push_back(std::move(s));
          break;
        case node_f::kName:
          WI8_RETURN_IF_ERROR(r.string(t, "NodeProto.name", &n->name));
          break;
        case node_f::kOpType:
          WI8_RETURN_IF_ERROR(r.string(t, "NodeProto.op_type", &n->op_type));
          break;
        case node_f::kDomain:
          WI8_RETURN_IF_ERROR(r.string(t, "NodeProto.domain", &n->domain));
          break;
        case node_f::kAttribute:
          WI8_RETURN_IF_ERROR(r.message(t, "NodeProto.attribute", &b));
          n->attributes.emplace_back();
          n->attributes.back().offset = at;
          WI8_RETURN_IF_ERROR(attribute(Reader(b), &n->attributes.back()));
          break;
        default:
          WI8_RETURN_IF_ERROR(r.skip(t));
      }
    }
    return Status::ok();
  }

  Status attribute(Reader r, Attribute* a) {
    while (!r.done()) {
      uint32_t f;
      WireType t;
      WI8_RETURN_IF_ERROR(r.key(&f, &t));
      int64_t v;
      Bytes b;
      std::string s;
      switch (f) {
        case attr_f::kName:
          WI8_RETURN_IF_ERROR(r.string(t, "AttributeProto.name", &a->name));
          break;
        case attr_f::kType:
          WI8_RETURN_IF_ERROR(r.int64(t, "AttributeProto.type", &v));
          if (v < 0 || v > 14) return r.error("AttributeProto.type " + std::to_string(v));
          a->type = static_cast<AttributeType>(v);
          break;
        case attr_f::kF:
          WI8_RETURN_IF_ERROR(r.float32(t, "AttributeProto.f", &a->f));
          break;
        case attr_f::kI:
          WI8_RETURN_IF_ERROR(r.int64(t, "AttributeProto.i", &a->i));
          break;
        case attr_f::kS:
          WI8_RETURN_IF_ERROR(r.string(t, "AttributeProto.s", &a->s));
          break;
        case attr_f::kT:
          WI8_RETURN_IF_ERROR(r.message(t, "AttributeProto.t", &b));
          a->t.emplace_back();
          a->t.back().offset = b.offset;
          WI8_RETURN_IF_ERROR(tensor(Reader(b), &a->t.back()));
          break;
        case attr_f::kFloats:
          WI8_RETURN_IF_ERROR(pb::repeated_float(r, t, "AttributeProto.floats", [&](float x) {
            return push_bounded(&a->floats, x, r, "AttributeProto.floats");
          }));
          break;
        case attr_f::kInts:
          WI8_RETURN_IF_ERROR(pb::repeated_int64(r, t, "AttributeProto.ints", [&](int64_t x) {
            return push_bounded(&a->ints, x, r, "AttributeProto.ints");
          }));
          break;
        case attr_f::kStrings:
          WI8_RETURN_IF_ERROR(r.string(t, "AttributeProto.strings", &s));
          a->strings.push_back(std::move(s));
          break;
        case attr_f::kG:
        case attr_f::kGraphs:
          return r.error("attribute '" + a->name +
                         "': graph attributes (If / Loop / Scan bodies) are not supported");
        case attr_f::kTensors:
          return r.error("attribute '" + a->name + "': tensor lists are not supported");
        default:
          WI8_RETURN_IF_ERROR(r.skip(t));
      }
    }
    return Status::ok();
  }

  template <class T>
  Status push_bounded(std::vector<T>* v, T x, const Reader& r, const char* what) {
    if (v->size() >= limits_.max_typed_values) {
      return r.error(std::string(what) + ": more than " + std::to_string(limits_.max_typed_values) +
                     " values");
    }
    v->push_back(x);
    return Status::ok();
  }

  Status tensor(Reader r, Tensor* x) {
    while (!r.done()) {
      uint32_t f;
      WireType t;
      WI8_RETURN_IF_ERROR(r.key(&f, &t));
      int64_t v;
      switch (f) {
        case tensor_f::kDims:
          WI8_RETURN_IF_ERROR(pb::repeated_int64(r, t, "TensorProto.dims", [&](int64_t d) {
            if (x->dims.size() >= limits_.max_dims) {
              return r.error("TensorProto.dims: more than " + std::to_string(limits_.max_dims) +
                             " dims");
            }
            x->dims.push_back(d);
            return Status::ok();
          }));
          break;
        case tensor_f::kDataType:
          WI8_RETURN_IF_ERROR(r.int64(t, "TensorProto.data_type", &v));
          x->data_type = static_cast<int32_t>(v);
          break;
        case tensor_f::kName:
          WI8_RETURN_IF_ERROR(r.string(t, "TensorProto.name", &x->name));
          break;
        case tensor_f::kRawData:
          WI8_RETURN_IF_ERROR(r.message(t, "TensorProto.raw_data", &x->raw_data));
          break;
        case tensor_f::kFloatData:
          WI8_RETURN_IF_ERROR(pb::repeated_float(r, t, "TensorProto.float_data", [&](float y) {
            return push_bounded(&x->float_data, y, r, "TensorProto.float_data");
          }));
          break;
        case tensor_f::kInt32Data:
          WI8_RETURN_IF_ERROR(pb::repeated_int64(r, t, "TensorProto.int32_data", [&](int64_t y) {
            return push_bounded(&x->int32_data, static_cast<int32_t>(y), r,
                                "TensorProto.int32_data");
          }));
          break;
        case tensor_f::kInt64Data:
          WI8_RETURN_IF_ERROR(pb::repeated_int64(r, t, "TensorProto.int64_data", [&](int64_t y) {
            return push_bounded(&x->int64_data, y, r, "TensorProto.int64_data");
          }));
          break;
        case tensor_f::kDoubleData:
          if (t == WireType::kBytes) {
            Bytes b;
            WI8_RETURN_IF_ERROR(r.bytes(&b));
            if (b.size % 8 != 0) return r.error("TensorProto.double_data: bad packed length");
            Reader p(b);
            while (!p.done()) {
              uint64_t bits;
              WI8_RETURN_IF_ERROR(p.fixed64(&bits));
              double d;
              std::memcpy(&d, &bits, sizeof d);
              WI8_RETURN_IF_ERROR(push_bounded(&x->double_data, d, r, "TensorProto.double_data"));
            }
          } else {
            WI8_RETURN_IF_ERROR(r.skip(t));
          }
          break;
        case tensor_f::kExternalData:
          return r.error("tensor '" + x->name +
                         "' stores its data in an external file, which a web page cannot read; "
                         "save the model with the data inside (onnx.save(..., "
                         "save_as_external_data=False))");
        case tensor_f::kDataLocation:
          WI8_RETURN_IF_ERROR(r.int64(t, "TensorProto.data_location", &v));
          if (v != 0) return r.error("tensor '" + x->name + "': external data is not supported");
          break;
        default:
          WI8_RETURN_IF_ERROR(r.skip(t));
      }
    }
    return Status::ok();
  }

  Status value_info(Reader r, ValueInfo* v) {
    while (!r.done()) {
      uint32_t f;
      WireType t;
      WI8_RETURN_IF_ERROR(r.key(&f, &t));
      Bytes b;
      if (f == value_info_f::kName) {
        WI8_RETURN_IF_ERROR(r.string(t, "ValueInfoProto.name", &v->name));
      } else if (f == value_info_f::kType) {
        WI8_RETURN_IF_ERROR(r.message(t, "ValueInfoProto.type", &b));
        WI8_RETURN_IF_ERROR(type(Reader(b), v));
      } else {
        WI8_RETURN_IF_ERROR(r.skip(t));
      }
    }
    return Status::ok();
  }

  Status type(Reader r, ValueInfo* v) {
    while (!r.done()) {
      uint32_t f;
      WireType t;
      WI8_RETURN_IF_ERROR(r.key(&f, &t));
      if (f != type_f::kTensorType) {  // sequences, maps, ...: left for the graph builder to reject
        WI8_RETURN_IF_ERROR(r.skip(t));
        continue;
      }
      Bytes b;
      WI8_RETURN_IF_ERROR(r.message(t, "TypeProto.tensor_type", &b));
      Reader tt(b);
      while (!tt.done()) {
        uint32_t g;
        WireType u;
        WI8_RETURN_IF_ERROR(tt.key(&g, &u));
        int64_t e;
        Bytes s;
        if (g == tensor_type_f::kElemType) {
          WI8_RETURN_IF_ERROR(tt.int64(u, "TypeProto.Tensor.elem_type", &e));
          v->elem_type = static_cast<int32_t>(e);
        } else if (g == tensor_type_f::kShape) {
          WI8_RETURN_IF_ERROR(tt.message(u, "TypeProto.Tensor.shape", &s));
          v->has_shape = true;
          WI8_RETURN_IF_ERROR(shape(Reader(s), v));
        } else {
          WI8_RETURN_IF_ERROR(tt.skip(u));
        }
      }
    }
    return Status::ok();
  }

  Status shape(Reader r, ValueInfo* v) {
    while (!r.done()) {
      uint32_t f;
      WireType t;
      WI8_RETURN_IF_ERROR(r.key(&f, &t));
      if (f != shape_f::kDim) {
        WI8_RETURN_IF_ERROR(r.skip(t));
        continue;
      }
      if (v->dims.size() >= limits_.max_dims) {
        return r.error("TensorShapeProto: more than " + std::to_string(limits_.max_dims) + " dims");
      }
      Bytes b;
      WI8_RETURN_IF_ERROR(r.message(t, "TensorShapeProto.dim", &b));
      int64_t value = -1;
      std::string param;
      Reader d(b);
      while (!d.done()) {
        uint32_t g;
        WireType u;
        WI8_RETURN_IF_ERROR(d.key(&g, &u));
        if (g == dim_f::kDimValue) {
          WI8_RETURN_IF_ERROR(d.int64(u, "Dimension.dim_value", &value));
        } else if (g == dim_f::kDimParam) {
          WI8_RETURN_IF_ERROR(d.string(u, "Dimension.dim_param", &param));
        } else {
          WI8_RETURN_IF_ERROR(d.skip(u));
        }
      }
      v->dims.push_back(value);
      v->dim_params.push_back(std::move(param));
    }
    return Status::ok();
  }

  ParseLimits limits_;
};

}  // namespace

Status parse_onnx_model(const uint8_t* data, size_t size, OnnxModel* out,
                        const ParseLimits& limits) {
  *out = OnnxModel();
  if (size == 0) return Status::error("ONNX: the model is empty (0 bytes)");
  WI8_RETURN_IF_ERROR(Parser(limits).model(Reader(data, size), out));
  if (!out->has_graph) return Status::error("ONNX: the model has no graph (ModelProto.graph)");
  return Status::ok();
}

Status parse_onnx_tensor(const uint8_t* data, size_t size, Tensor* out, const ParseLimits& limits) {
  *out = Tensor();
  return Parser(limits).tensor_message(Reader(data, size), out);
}

}  // namespace wi8::onnx
