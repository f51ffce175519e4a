#include "model/onnx/onnx_writer.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "graph/simplify.h"
#include "model/onnx/onnx_model.h"

namespace wi8::onnx {

namespace {

// Protobuf encoding: varint keys and values, length-delimited bytes and sub-messages.
class Pb {
 public:
  Pb& varint(uint64_t v) {
    while (v >= 0x80) {
      b_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    b_.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  Pb& key(uint32_t field, uint32_t wire) { return varint(uint64_t{field} << 3 | wire); }
  Pb& i(uint32_t field, int64_t v) { return key(field, 0).varint(static_cast<uint64_t>(v)); }
  Pb& f(uint32_t field, float v) {
    key(field, 5);
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int k = 0; k < 4; ++k) b_.push_back(static_cast<uint8_t>(bits >> (8 * k)));
    return *this;
  }
  Pb& bytes(uint32_t field, const uint8_t* d, size_t n) {
    key(field, 2).varint(n);
    b_.insert(b_.end(), d, d + n);
    return *this;
  }
  Pb& s(uint32_t field, const std::string& v) {
    return bytes(field, reinterpret_cast<const uint8_t*>(v.data()), v.size());
  }
  Pb& msg(uint32_t field, const Pb& m) { return bytes(field, m.b_.data(), m.b_.size()); }
  std::vector<uint8_t>& data() { return b_; }

 private:
  std::vector<uint8_t> b_;
};

int32_t onnx_type(DType t) {
  switch (t) {
    case DType::kFloat32:
      return kFloat;
    case DType::kInt8:
      return kInt8;
    case DType::kUint8:
      return kUint8;
    case DType::kInt32:
      return kInt32;
    case DType::kInt64:
      return kInt64;
    case DType::kBool:
      return kBool;
  }
  return kUndefined;
}

Pb tensor_proto(const TensorDesc& t, const std::string& name) {
  Pb p;
  for (int64_t d : t.dims) p.i(1, d);  // dims (unpacked repeated int64 is valid protobuf)
  p.i(2, onnx_type(t.dtype));
  if (!name.empty()) p.s(8, name);
  p.bytes(9, t.data.data(), t.data.size());  // raw_data
  return p;
}

Pb value_info(const TensorDesc& t, bool with_shape) {
  Pb shape;
  if (with_shape && t.has_shape) {
    for (int64_t d : t.dims) {
      Pb dim;
      if (d >= 0) {
        dim.i(1, d);
      } else {
        dim.s(2, "N");
      }
      shape.msg(1, dim);
    }
  }
  Pb tensor_type;
  tensor_type.i(1, onnx_type(t.dtype));
  if (with_shape && t.has_shape) tensor_type.msg(2, shape);
  Pb type;
  type.msg(1, tensor_type);
  Pb v;
  v.s(1, t.name);
  v.msg(2, type);
  return v;
}

class Exporter {
 public:
  explicit Exporter(const wi8::Graph& g) : g_(g) {}

  Status run(const std::string& producer, std::vector<uint8_t>* out) {
    Pb graph;
    std::vector<bool> written(g_.tensors.size(), false);
    size_t extra = 0;
    for (const GraphNode& n : g_.nodes) {
      const Attr* lo = n.attr(kFusedMin);
      const Attr* hi = n.attr(kFusedMax);
      Pb node;
      for (int in : n.inputs) {
        node.s(1, in < 0 ? std::string() : name(in));
        if (in >= 0 && g_.tensors[static_cast<size_t>(in)].constant)
          written[static_cast<size_t>(in)] = true;
      }
      const bool fused = lo || hi;
      const std::string act_in = fused ? name(n.outputs[0]) + ".before_activation" : "";
      for (size_t k = 0; k < n.outputs.size(); ++k) {
        node.s(2,
               k == 0 && fused ? act_in : (n.outputs[k] < 0 ? std::string() : name(n.outputs[k])));
      }
      node.s(3, n.name);
      node.s(4, n.op);
      if (n.op.rfind("QLinear", 0) == 0 &&
          (n.op == "QLinearAdd" || n.op == "QLinearMul" || n.op == "QLinearConcat" ||
           n.op == "QGemm" || n.op.find("Pool") != std::string::npos)) {
        node.s(7, "com.microsoft");
        uses_contrib_ = true;
      }
      for (const Attr& a : n.attrs) {
        if (a.name == kFusedMin || a.name == kFusedMax) continue;
        WI8_RETURN_IF_ERROR(attribute(a, &node));
      }
      graph.msg(1, node);
      if (fused) {
        const float fmin = lo ? lo->f : -std::numeric_limits<float>::infinity();
        const float fmax = hi ? hi->f : std::numeric_limits<float>::infinity();
        Pb act;
        act.s(1, act_in);
        if (fmin == 0.0f && std::isinf(fmax)) {
          act.s(2, name(n.outputs[0])).s(3, n.name + ".relu").s(4, "Relu");
        } else {
          const std::string base = n.name + ".clip" + std::to_string(extra++);
          act.s(1, base + ".min").s(1, base + ".max");
          act.s(2, name(n.outputs[0])).s(3, base).s(4, "Clip");
          scalar(base + ".min", fmin, &graph);
          scalar(base + ".max", fmax, &graph);
        }
        graph.msg(1, act);
      }
    }
    graph.s(2, "wasm-int8");
    for (size_t t = 0; t < written.size(); ++t) {
      if (written[t]) graph.msg(5, tensor_proto(g_.tensors[t], name(static_cast<int>(t))));
    }
    for (int t : g_.inputs) graph.msg(11, value_info(g_.tensors[static_cast<size_t>(t)], true));
    for (int t : g_.outputs) graph.msg(12, value_info(g_.tensors[static_cast<size_t>(t)], false));
    Pb model;
    model.i(1, 8);  // ir_version
    model.s(2, producer);
    model.msg(7, graph);
    Pb opset;
    opset.s(1, "").i(2, 13);
    model.msg(8, opset);
    if (uses_contrib_) {
      Pb ms;
      ms.s(1, "com.microsoft").i(2, 1);
      model.msg(8, ms);
    }
    *out = std::move(model.data());
    return Status::ok();
  }

 private:
  std::string name(int id) const {
    const std::string& n = g_.tensors[static_cast<size_t>(id)].name;
    return n.empty() ? "tensor" + std::to_string(id) : n;
  }

  void scalar(const std::string& n, float v, Pb* graph) {
    TensorDesc t;
    t.dtype = DType::kFloat32;
    t.data.resize(4);
    std::memcpy(t.data.data(), &v, 4);
    graph->msg(5, tensor_proto(t, n));
  }

  Status attribute(const Attr& a, Pb* node) {
    Pb p;
    p.s(1, a.name);
    switch (a.kind) {
      case AttrKind::kFloat:
        p.f(2, a.f).i(20, static_cast<int64_t>(AttributeType::kFloat));
        break;
      case AttrKind::kInt:
        p.i(3, a.i).i(20, static_cast<int64_t>(AttributeType::kInt));
        break;
      case AttrKind::kString:
        p.s(4, a.s).i(20, static_cast<int64_t>(AttributeType::kString));
        break;
      case AttrKind::kFloats:
        for (float v : a.floats) p.f(7, v);
        p.i(20, static_cast<int64_t>(AttributeType::kFloats));
        break;
      case AttrKind::kInts:
        for (int64_t v : a.ints) p.i(8, v);
        p.i(20, static_cast<int64_t>(AttributeType::kInts));
        break;
      case AttrKind::kTensor:
        p.msg(5, tensor_proto(g_.tensors[static_cast<size_t>(a.tensor)], ""));
        p.i(20, static_cast<int64_t>(AttributeType::kTensor));
        break;
    }
    node->msg(5, p);
    return Status::ok();
  }

  const wi8::Graph& g_;
  bool uses_contrib_ = false;
};

}  // namespace

Status write_onnx_model(const wi8::Graph& g, const std::string& producer,
                        std::vector<uint8_t>* out) {
  return Exporter(g).run(producer, out);
}

}  // namespace wi8::onnx
