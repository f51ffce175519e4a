#include "graph/simplify.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "graph/fold.h"
#include "graph/qdq.h"

namespace wi8 {

size_t element_count(const TensorDesc& t) { return t.data.size() / dtype_size(t.dtype); }

std::vector<float> constant_floats(const TensorDesc& t) {
  const size_t n = element_count(t);
  std::vector<float> v(n);
  const uint8_t* p = t.data.data();
  for (size_t k = 0; k < n; ++k) {
    switch (t.dtype) {
      case DType::kFloat32: {
        float f;
        std::memcpy(&f, p + 4 * k, 4);
        v[k] = f;
        break;
      }
      case DType::kInt32: {
        int32_t i;
        std::memcpy(&i, p + 4 * k, 4);
        v[k] = static_cast<float>(i);
        break;
      }
      case DType::kInt64: {
        int64_t i;
        std::memcpy(&i, p + 8 * k, 8);
        v[k] = static_cast<float>(i);
        break;
      }
      case DType::kInt8:
        v[k] = static_cast<float>(static_cast<int8_t>(p[k]));
        break;
      default:
        v[k] = static_cast<float>(p[k]);
    }
  }
  return v;
}

std::vector<int64_t> constant_ints(const TensorDesc& t) {
  const size_t n = element_count(t);
  std::vector<int64_t> v(n);
  const uint8_t* p = t.data.data();
  for (size_t k = 0; k < n; ++k) {
    switch (t.dtype) {
      case DType::kFloat32: {
        float f;
        std::memcpy(&f, p + 4 * k, 4);
        v[k] = std::isfinite(f) && std::fabs(f) < 9e18f ? static_cast<int64_t>(f) : 0;
        break;
      }
      case DType::kInt32: {
        int32_t i;
        std::memcpy(&i, p + 4 * k, 4);
        v[k] = i;
        break;
      }
      case DType::kInt64:
        std::memcpy(&v[k], p + 8 * k, 8);
        break;
      case DType::kInt8:
        v[k] = static_cast<int8_t>(p[k]);
        break;
      default:
        v[k] = p[k];
    }
  }
  return v;
}

namespace {

class Simplifier {
 public:
  Simplifier(Graph* g, bool qdq, bool activations) : g_(*g), qdq_(qdq), activations_(activations) {}

  Status run() {
    WI8_RETURN_IF_ERROR(constant_nodes());
    WI8_RETURN_IF_ERROR(fold_constants());
    bypass_identities();
    count_readers();
    WI8_RETURN_IF_ERROR(fold_batchnorm());
    compact();
    if (qdq_) WI8_RETURN_IF_ERROR(fuse_qdq(&g_));
    count_readers();
    if (activations_) fuse_activations();
    remove_dead_nodes();
    compact();
    drop_unused_constants(&g_);
    return Status::ok();
  }

 private:
  bool is_constant(int id) const { return id >= 0 && g_.tensors[static_cast<size_t>(id)].constant; }
  TensorDesc& tensor(int id) { return g_.tensors[static_cast<size_t>(id)]; }

  Status constant_nodes() {
    for (GraphNode& n : g_.nodes) {
      if (n.op != "Constant" || n.outputs.size() != 1 || n.outputs[0] < 0) continue;
      TensorDesc& out = tensor(n.outputs[0]);
      const std::string name = out.name;
      if (n.attrs.size() != 1) {
        return Status::error("ONNX: " + n.where() +
                             ": a Constant needs exactly one value attribute");
      }
      const Attr& a = n.attrs[0];
      TensorDesc t;
      t.constant = true;
      t.has_shape = true;
      if (a.name == "value" && a.kind == AttrKind::kTensor) {
        t = g_.tensors[static_cast<size_t>(a.tensor)];
      } else if (a.name == "value_float" && a.kind == AttrKind::kFloat) {
        set_floats(&t, std::vector<float>(1, a.f), false);
      } else if (a.name == "value_floats" && a.kind == AttrKind::kFloats) {
        set_floats(&t, a.floats, true);
      } else if (a.name == "value_int" && a.kind == AttrKind::kInt) {
        set_ints(&t, std::vector<int64_t>(1, a.i), false);
      } else if (a.name == "value_ints" && a.kind == AttrKind::kInts) {
        set_ints(&t, a.ints, true);
      } else {
        return Status::error("ONNX: " + n.where() + ": Constant attribute '" + a.name +
                             "' is not supported (value, value_float(s), value_int(s))");
      }
      t.name = name;
      out = std::move(t);
      n.op.clear();  // removed by compact()
    }
    return Status::ok();
  }

  // Nodes whose inputs are all constant are evaluated now (fold.h), except DequantizeLinear:
  // int8 weights stay int8 for the QDQ fusion (the lowering folds the ones left).
  Status fold_constants() {
    for (GraphNode& n : g_.nodes) {
      if (n.op.empty() || n.op == "DequantizeLinear" || !foldable_op(n.op)) continue;
      bool all = !n.inputs.empty() || n.op == "ConstantOfShape";
      std::vector<const TensorDesc*> in;
      for (int id : n.inputs) {
        if (id >= 0 && !is_constant(id)) all = false;
        in.push_back(id >= 0 ? &tensor(id) : nullptr);
      }
      if (!all) continue;
      std::vector<TensorDesc> out;
      bool done = false;
      WI8_RETURN_IF_ERROR(fold_constant_node(g_, n, in, &out, &done));
      if (!done || out.size() < n.outputs.size()) continue;
      for (size_t k = 0; k < n.outputs.size(); ++k) {
        if (n.outputs[k] < 0) continue;
        TensorDesc& t = tensor(n.outputs[k]);
        out[k].name = t.name;
        t = std::move(out[k]);
      }
      n.op.clear();
    }
    return Status::ok();
  }

  // Nodes none of whose outputs is read (after fusion), in reverse order so chains go at once.
  void remove_dead_nodes() {
    count_readers();
    for (size_t k = g_.nodes.size(); k-- > 0;) {
      GraphNode& n = g_.nodes[k];
      if (n.op.empty()) continue;
      bool read = false;
      for (int o : n.outputs) read = read || (o >= 0 && readers_[static_cast<size_t>(o)] > 0);
      if (read) continue;
      for (int in : n.inputs) {
        if (in >= 0) --readers_[static_cast<size_t>(in)];
      }
      n.op.clear();
    }
  }

  static void set_floats(TensorDesc* t, const std::vector<float>& v, bool vector) {
    t->dtype = DType::kFloat32;
    if (vector) t->dims = {static_cast<int64_t>(v.size())};
    t->data.resize(v.size() * 4);
    for (size_t k = 0; k < v.size(); ++k) std::memcpy(&t->data[4 * k], &v[k], 4);
  }
  static void set_ints(TensorDesc* t, const std::vector<int64_t>& v, bool vector) {
    t->dtype = DType::kInt64;
    if (vector) t->dims = {static_cast<int64_t>(v.size())};
    t->data.resize(v.size() * 8);
    for (size_t k = 0; k < v.size(); ++k) std::memcpy(&t->data[8 * k], &v[k], 8);
  }

  bool is_graph_output(int id) const {
    for (int o : g_.outputs) {
      if (o == id) return true;
    }
    return false;
  }  // graphs have few outputs

  // One walk in topological order: inputs are renamed as they are met, so chains of Identity
  // cost O(nodes).
  void bypass_identities() {
    count_readers();
    std::vector<int> to(g_.tensors.size());
    for (size_t k = 0; k < to.size(); ++k) to[k] = static_cast<int>(k);
    std::vector<const GraphNode*> producer(g_.tensors.size(), nullptr);
    for (const GraphNode& n : g_.nodes) {
      for (int o : n.outputs) {
        if (o >= 0 && !n.op.empty()) producer[static_cast<size_t>(o)] = &n;
      }
    }
    for (GraphNode& n : g_.nodes) {
      for (int& in : n.inputs) {
        if (in >= 0) in = to[static_cast<size_t>(in)];
      }
      const bool identity = n.op == "Identity" || n.op == "Dropout" || is_noop_cast(n, producer);
      if (!identity || n.inputs.empty() || n.inputs[0] < 0 || n.outputs.empty()) continue;
      if (n.outputs[0] < 0 || is_graph_output(n.outputs[0])) continue;
      // Dropout's mask output must be unread.
      if (n.outputs.size() > 1 && n.outputs[1] >= 0 &&
          readers_[static_cast<size_t>(n.outputs[1])]) {
        continue;
      }
      to[static_cast<size_t>(n.outputs[0])] = n.inputs[0];
      n.op.clear();
    }
  }

  // Cast(to=T) of a QuantizeLinear output that is already T (torch's exporter adds one after every
  // QuantizeLinear).
  bool is_noop_cast(const GraphNode& n, const std::vector<const GraphNode*>& producer) {
    if (n.op != "Cast" || n.inputs.empty() || n.inputs[0] < 0) return false;
    const GraphNode* p = producer[static_cast<size_t>(n.inputs[0])];
    const Attr* to = n.attr("to");
    if (!p || !to || p->op != "QuantizeLinear") return false;
    DType t = DType::kUint8;  // QuantizeLinear's output without a zero point
    if (p->inputs.size() > 2 && p->inputs[2] >= 0) {
      if (!is_constant(p->inputs[2])) return false;
      t = tensor(p->inputs[2]).dtype;
    }
    return (to->i == onnx::kUint8 && t == DType::kUint8) ||
           (to->i == onnx::kInt8 && t == DType::kInt8);
  }

  void count_readers() {
    readers_.assign(g_.tensors.size(), 0);
    reader_.assign(g_.tensors.size(), -1);
    for (size_t k = 0; k < g_.nodes.size(); ++k) {
      if (g_.nodes[k].op.empty()) continue;
      for (int in : g_.nodes[k].inputs) {
        if (in < 0) continue;
        ++readers_[static_cast<size_t>(in)];
        reader_[static_cast<size_t>(in)] = static_cast<int>(k);
      }
    }
    for (int o : g_.outputs) readers_[static_cast<size_t>(o)] += 2;  // never fused away
  }

  // The one node that reads `id`, if it has exactly one output (what fusing into it needs: a
  // model may declare a node with none, or with its output left unnamed; BatchNormalization's
  // training-mode outputs are more than one), or null.
  GraphNode* sole_reader(int id) {
    if (id < 0 || readers_[static_cast<size_t>(id)] != 1) return nullptr;
    GraphNode* r = &g_.nodes[static_cast<size_t>(reader_[static_cast<size_t>(id)])];
    return r->outputs.size() == 1 && r->outputs[0] >= 0 ? r : nullptr;
  }

  int add_constant(const std::string& name, std::vector<int64_t> dims,
                   const std::vector<float>& v) {
    TensorDesc t;
    t.name = name;
    t.constant = true;
    t.has_shape = true;
    t.dims = std::move(dims);
    set_floats(&t, v, false);
    g_.tensors.push_back(std::move(t));
    return static_cast<int>(g_.tensors.size() - 1);
  }

  Status fold_batchnorm() {
    for (GraphNode& conv : g_.nodes) {
      if (conv.op != "Conv" || conv.inputs.size() < 2 || conv.outputs.size() != 1) continue;
      const int w_id = conv.inputs[1];
      const int b_id = conv.inputs.size() > 2 ? conv.inputs[2] : -1;
      if (!is_constant(w_id) || tensor(w_id).dtype != DType::kFloat32) continue;
      if (b_id >= 0 && (!is_constant(b_id) || tensor(b_id).dtype != DType::kFloat32)) continue;
      GraphNode* bn = sole_reader(conv.outputs[0]);
      if (!bn || bn->op != "BatchNormalization" || bn->inputs.size() != 5) continue;
      if (bn->inputs[0] != conv.outputs[0]) continue;
      bool all_const = true;
      for (size_t k = 1; k < 5; ++k) all_const = all_const && is_constant(bn->inputs[k]);
      if (!all_const) continue;
      const TensorDesc& w = tensor(w_id);
      if (w.dims.empty() || w.dims[0] <= 0) continue;
      const size_t oc = static_cast<size_t>(w.dims[0]);
      std::vector<float> gamma = constant_floats(tensor(bn->inputs[1]));
      std::vector<float> beta = constant_floats(tensor(bn->inputs[2]));
      std::vector<float> mean = constant_floats(tensor(bn->inputs[3]));
      std::vector<float> var = constant_floats(tensor(bn->inputs[4]));
      if (gamma.size() != oc || beta.size() != oc || mean.size() != oc || var.size() != oc) {
        return Status::error("ONNX: " + bn->where() + ": scale, B, mean and var need " +
                             std::to_string(oc) + " values (the Conv's output channels)");
      }
      const Attr* eps_attr = bn->attr("epsilon");
      const float eps = eps_attr ? eps_attr->f : 1e-5f;
      std::vector<float> wv = constant_floats(w);
      std::vector<float> bv = b_id >= 0 ? constant_floats(tensor(b_id)) : std::vector<float>(oc);
      if (bv.size() != oc) continue;  // the Conv reports it
      const size_t per = wv.size() / oc;
      for (size_t c = 0; c < oc; ++c) {
        const double s =
            static_cast<double>(gamma[c]) / std::sqrt(static_cast<double>(var[c]) + eps);
        for (size_t k = 0; k < per; ++k) {
          wv[c * per + k] = static_cast<float>(wv[c * per + k] * s);
        }
        bv[c] = static_cast<float>((static_cast<double>(bv[c]) - mean[c]) * s + beta[c]);
      }
      const std::vector<int64_t> wdims = w.dims;
      const std::string wname = w.name;
      conv.inputs[1] = add_constant(wname + ".bn_folded", wdims, wv);
      const int nb = add_constant(wname + ".bn_folded_bias", {static_cast<int64_t>(oc)}, bv);
      if (conv.inputs.size() > 2) {
        conv.inputs[2] = nb;
      } else {
        conv.inputs.push_back(nb);
      }
      conv.outputs[0] = bn->outputs[0];
      bn->op.clear();
    }
    return Status::ok();
  }

  // Clip's bounds (attributes before opset 11, constant inputs after); false if not constant.
  bool clip_bounds(const GraphNode& n, float* lo, float* hi) {
    *lo = -std::numeric_limits<float>::infinity();
    *hi = std::numeric_limits<float>::infinity();
    if (const Attr* a = n.attr("min")) *lo = a->f;
    if (const Attr* a = n.attr("max")) *hi = a->f;
    for (size_t k = 1; k < n.inputs.size() && k < 3; ++k) {
      const int id = n.inputs[k];
      if (id < 0) continue;
      if (!is_constant(id) || tensor(id).dtype != DType::kFloat32 ||
          element_count(tensor(id)) != 1) {
        return false;
      }
      (k == 1 ? *lo : *hi) = constant_floats(tensor(id))[0];
    }
    return !(std::isnan(*lo) || std::isnan(*hi) || *lo > *hi);
  }

  void fuse_activations() {
    for (GraphNode& n : g_.nodes) {
      const bool fusable = n.op == "Conv" || n.op == "Gemm" || n.op == "MatMul" || n.op == "Add";
      if (!fusable || n.outputs.size() != 1 || n.attr(kFusedMin)) continue;
      GraphNode* act = sole_reader(n.outputs[0]);
      if (!act || act->inputs.empty() || act->inputs[0] != n.outputs[0]) continue;
      float lo, hi;
      if (act->op == "Relu") {
        lo = 0.0f;
        hi = std::numeric_limits<float>::infinity();
      } else if (act->op == "Clip") {
        if (!clip_bounds(*act, &lo, &hi)) continue;
      } else {
        continue;
      }
      Attr amin, amax;
      amin.name = kFusedMin;
      amin.kind = AttrKind::kFloat;
      amin.f = lo;
      amax.name = kFusedMax;
      amax.kind = AttrKind::kFloat;
      amax.f = hi;
      n.attrs.push_back(amin);
      n.attrs.push_back(amax);
      n.outputs[0] = act->outputs[0];
      act->op.clear();
    }
  }

  void compact() {
    std::vector<GraphNode> kept;
    kept.reserve(g_.nodes.size());
    for (GraphNode& n : g_.nodes) {
      if (!n.op.empty()) kept.push_back(std::move(n));
    }
    g_.nodes = std::move(kept);
  }

  Graph& g_;
  bool qdq_ = true;
  bool activations_ = true;
  std::vector<int> readers_, reader_;
};

}  // namespace

void drop_unused_constants(Graph* g) {
  std::vector<bool> used(g->tensors.size(), false);
  for (const GraphNode& n : g->nodes) {
    for (int in : n.inputs) {
      if (in >= 0) used[static_cast<size_t>(in)] = true;
    }
    for (const Attr& a : n.attrs) {
      if (a.kind == AttrKind::kTensor && a.tensor >= 0) used[static_cast<size_t>(a.tensor)] = true;
    }
  }
  for (int o : g->outputs) used[static_cast<size_t>(o)] = true;
  for (size_t t = 0; t < g->tensors.size(); ++t) {
    if (g->tensors[t].constant && !used[t]) std::vector<uint8_t>().swap(g->tensors[t].data);
  }
}

Status simplify_graph(Graph* g, bool fuse_qdq, bool fuse_activations) {
  return Simplifier(g, fuse_qdq, fuse_activations).run();
}

void split_fused_activations(Graph* g) {
  std::vector<GraphNode> nodes;
  nodes.reserve(g->nodes.size());
  auto add_tensor = [g](TensorDesc t) {
    g->tensors.push_back(std::move(t));
    return static_cast<int>(g->tensors.size() - 1);
  };
  auto bound = [&](const std::string& name, float v) {
    TensorDesc t;
    t.name = name;
    t.constant = true;
    t.has_shape = true;
    t.data.resize(4);
    std::memcpy(t.data.data(), &v, 4);
    return add_tensor(std::move(t));
  };
  for (GraphNode& n : g->nodes) {
    const Attr* lo = n.attr(kFusedMin);
    const Attr* hi = n.attr(kFusedMax);
    if (!lo || !hi || n.outputs.size() != 1 || n.outputs[0] < 0) {
      nodes.push_back(std::move(n));
      continue;
    }
    const float lo_v = lo->f, hi_v = hi->f;
    const int out = n.outputs[0];
    const std::string name = g->tensors[static_cast<size_t>(out)].name;
    TensorDesc pre;
    pre.name = name + kPreactivationSuffix;
    pre.dtype = g->tensors[static_cast<size_t>(out)].dtype;
    const int pre_id = add_tensor(std::move(pre));
    const int lo_id = bound(name + ".clip_min", lo_v), hi_id = bound(name + ".clip_max", hi_v);
    n.attrs.erase(
        std::remove_if(n.attrs.begin(), n.attrs.end(),
                       [](const Attr& a) { return a.name == kFusedMin || a.name == kFusedMax; }),
        n.attrs.end());
    n.outputs[0] = pre_id;
    GraphNode clip;
    clip.op = "Clip";
    clip.name = n.name + ".activation";
    clip.inputs = {pre_id, lo_id, hi_id};
    clip.outputs = {out};
    nodes.push_back(std::move(n));
    nodes.push_back(std::move(clip));
  }
  g->nodes = std::move(nodes);
}

}  // namespace wi8
