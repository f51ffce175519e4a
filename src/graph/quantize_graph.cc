#include "graph/quantize_graph.h"

#include <cmath>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "graph/simplify.h"

namespace wi8 {

namespace {

class Quantizer {
 public:
  Quantizer(const Graph& fp32, const std::vector<Observer>& obs, const QuantizeOptions& o,
            Graph* out)
      : obs_(obs), opt_(o), g_(*out) {
    g_ = fp32;
  }

  Status run(std::vector<QuantizedTensor>* report) {
    const size_t original_tensors = g_.tensors.size();
    quantized_.assign(original_tensors, -1);
    // Which tensors get Q / DQ, and their parameters.
    std::vector<int> replacement(original_tensors, -1);  // tensor -> its DequantizeLinear output
    std::vector<int> forced(original_tensors, -1);  // tensor -> report entry whose params it reuses
    std::vector<GraphNode> nodes;
    std::vector<GraphNode> pending;
    auto quantize_tensor = [&](int id, std::vector<GraphNode>* into) -> Status {
      const TensorDesc& t = g_.tensors[static_cast<size_t>(id)];
      if (t.constant || t.dtype != DType::kFloat32 || static_cast<size_t>(id) >= obs_.size() ||
          obs_[static_cast<size_t>(id)].empty()) {
        return Status::ok();
      }
      const Observer& o = obs_[static_cast<size_t>(id)];
      QuantizedTensor r;
      r.name = t.name;  // copied: adding tensors below invalidates `t`
      r.min = o.min();
      r.max = o.max();
      if (forced[static_cast<size_t>(id)] >= 0) {
        const QuantizedTensor& f = (*report)[static_cast<size_t>(forced[static_cast<size_t>(id)])];
        r.range_min = f.range_min;
        r.range_max = f.range_max;
        r.params = f.params;
      } else {
        // Graph outputs (logits, scores) keep their extremes: they are the answer, not outliers.
        bool output = false;
        for (int out : g_.outputs) output = output || out == id;
        o.range(output ? CalibrationMethod::kMinMax : opt_.method, &r.range_min, &r.range_max);
        Status s = choose_activation_params(r.range_min, r.range_max, &r.params);
        if (!s.is_ok()) return Status::error("tensor '" + t.name + "': " + s.message());
      }
      quantized_[static_cast<size_t>(id)] = static_cast<int>(report->size());
      report->push_back(r);
      const std::string& name = r.name;
      const int scale = add_constant(name + ".scale", {}, DType::kFloat32, &r.params.scale, 4);
      const int8_t zp8 = static_cast<int8_t>(r.params.zero_point);
      const int zp = add_constant(name + ".zero_point", {}, DType::kInt8, &zp8, 1);
      const int q = add_tensor(name + ".q", DType::kInt8);
      const int dq = add_tensor(name + ".dq", DType::kFloat32);
      into->push_back(make_node("QuantizeLinear", name + ".quantize", {id, scale, zp}, {q}));
      into->push_back(make_node("DequantizeLinear", name + ".dequantize", {q, scale, zp}, {dq}));
      replacement[static_cast<size_t>(id)] = dq;
      dq_scale_[dq] = r.params.scale;
      return Status::ok();
    };
    for (int in : g_.inputs) WI8_RETURN_IF_ERROR(quantize_tensor(in, &nodes));
    for (const GraphNode& src : g_.nodes) {
      GraphNode n = src;
      for (int& in : n.inputs) {
        if (in >= 0 && static_cast<size_t>(in) < original_tensors &&
            replacement[static_cast<size_t>(in)] >= 0) {
          in = replacement[static_cast<size_t>(in)];
        }
      }
      std::vector<GraphNode> weight_nodes;
      WI8_RETURN_IF_ERROR(quantize_weights(&n, &weight_nodes));
      for (GraphNode& w : weight_nodes) nodes.push_back(std::move(w));
      // Ops that only move values keep their input's parameters, so they run on int8 as they are.
      const bool moves = n.op == "MaxPool" || n.op == "Reshape" || n.op == "Flatten" ||
                         n.op == "Squeeze" || n.op == "Unsqueeze" || n.op == "Transpose" ||
                         n.op == "Identity";
      if (moves && !src.inputs.empty() && src.inputs[0] >= 0 && n.outputs.size() == 1 &&
          static_cast<size_t>(src.inputs[0]) < original_tensors && n.outputs[0] >= 0 &&
          quantized_[static_cast<size_t>(src.inputs[0])] >= 0) {
        forced[static_cast<size_t>(n.outputs[0])] = quantized_[static_cast<size_t>(src.inputs[0])];
      }
      std::vector<GraphNode> after;
      for (int o : n.outputs) {
        if (o >= 0) WI8_RETURN_IF_ERROR(quantize_tensor(o, &after));
      }
      nodes.push_back(std::move(n));
      for (GraphNode& a : after) nodes.push_back(std::move(a));
    }
    // Graph outputs are the dequantized values, under their original names.
    for (int& out : g_.outputs) {
      const int dq = replacement[static_cast<size_t>(out)];
      if (dq < 0) continue;
      rename_output(&nodes, out, dq);
    }
    g_.nodes = std::move(nodes);
    drop_unused_constants(&g_);  // the float weights the int8 ones replaced
    return Status::ok();
  }

 private:
  // The graph output `out` keeps its id and name: the op now writes a new tensor, and the final
  // DequantizeLinear writes `out`.
  void rename_output(std::vector<GraphNode>* nodes, int out, int dq) {
    const std::string name = g_.tensors[static_cast<size_t>(out)].name;
    const int fresh = add_tensor(name + ".float", DType::kFloat32);
    for (GraphNode& n : *nodes) {
      for (int& o : n.outputs) {
        if (o == out)
          o = fresh;
        else if (o == dq)
          o = out;
      }
      for (int& in : n.inputs) {
        if (in == out)
          in = fresh;
        else if (in == dq)
          in = out;
      }
    }
  }

  // `base`, or base#2, base#3, ... if a tensor has that name (a weight or bias two layers share
  // gets one quantized copy per layer, and names must stay unique for the ONNX export).
  std::string unique_name(const std::string& base) {
    if (names_.empty()) {
      for (const TensorDesc& t : g_.tensors) names_.insert(t.name);
    }
    std::string name = base;
    for (int k = 2; names_.count(name); ++k) name = base + "#" + std::to_string(k);
    names_.insert(name);
    return name;
  }

  int add_tensor(const std::string& name, DType t) {
    TensorDesc d;
    d.name = unique_name(name);
    d.dtype = t;
    g_.tensors.push_back(std::move(d));
    return static_cast<int>(g_.tensors.size() - 1);
  }

  int add_constant(const std::string& name, std::vector<int64_t> dims, DType t, const void* data,
                   size_t bytes) {
    TensorDesc d;
    d.name = unique_name(name);
    d.dtype = t;
    d.constant = true;
    d.has_shape = true;
    d.dims = std::move(dims);
    d.data.resize(bytes);
    if (bytes) std::memcpy(d.data.data(), data, bytes);
    g_.tensors.push_back(std::move(d));
    return static_cast<int>(g_.tensors.size() - 1);
  }

  static GraphNode make_node(const std::string& op, const std::string& name, std::vector<int> in,
                             std::vector<int> out, int64_t axis = -1) {
    GraphNode n;
    n.op = op;
    n.name = name;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    if (axis >= 0) {
      Attr a;
      a.name = "axis";
      a.kind = AttrKind::kInt;
      a.i = axis;
      n.attrs.push_back(a);
    }
    return n;
  }

  // The input scale the op's bias is quantized with: the scale of the activation
  // DequantizeLinear feeding input 0 (recorded by quantize_tensor before the op is visited).
  bool input_scale(const GraphNode& n, float* scale) {
    if (n.inputs.empty()) return false;
    const auto it = dq_scale_.find(n.inputs[0]);
    if (it == dq_scale_.end()) return false;
    *scale = it->second;
    return true;
  }

  // Conv W [O, ...], Gemm B ([N, K] with transB, else [K, N]), MatMul B [K, N]: int8 weights per
  // output channel + DequantizeLinear, and the bias as int32 + DequantizeLinear.
  Status quantize_weights(GraphNode* n, std::vector<GraphNode>* out) {
    const bool conv = n->op == "Conv", gemm = n->op == "Gemm", matmul = n->op == "MatMul";
    if (!conv && !gemm && !matmul) return Status::ok();
    if (n->inputs.size() < 2 || n->inputs[1] < 0) return Status::ok();
    const TensorDesc& w = g_.tensors[static_cast<size_t>(n->inputs[1])];
    if (!w.constant || w.dtype != DType::kFloat32) return Status::ok();
    if (conv && w.dims.size() != 4) return Status::ok();
    if ((gemm || matmul) && w.dims.size() != 2) return Status::ok();
    float xs;
    if (!input_scale(*n, &xs)) return Status::ok();  // input not quantized: the op stays float
    const Attr* tb = n->attr("transB");
    const bool rows_are_channels = conv || (gemm && tb && tb->i != 0);
    const size_t channels = static_cast<size_t>(rows_are_channels ? w.dims[0] : w.dims[1]);
    const size_t per = element_count(w) / (channels ? channels : 1);
    std::vector<float> wf = constant_floats(w);
    // Channel-major copy for the quantizer.
    std::vector<float> cm(wf.size());
    for (size_t c = 0; c < channels; ++c) {
      for (size_t k = 0; k < per; ++k) {
        cm[c * per + k] = rows_are_channels ? wf[c * per + k] : wf[k * channels + c];
      }
    }
    std::vector<int8_t> q(wf.size());
    std::vector<float> scales(channels);
    if (opt_.per_channel) {
      quantize_weights_per_channel(cm.data(), channels, per, q.data(), scales.data());
    } else {
      float scale;
      quantize_weights_per_channel(cm.data(), 1, cm.size(), q.data(), &scale);
      scales.assign(channels, scale);
    }
    std::vector<int8_t> stored(q.size());
    for (size_t c = 0; c < channels; ++c) {
      for (size_t k = 0; k < per; ++k) {
        (rows_are_channels ? stored[c * per + k] : stored[k * channels + c]) = q[c * per + k];
      }
    }
    const std::string name = w.name;
    const std::vector<int64_t> wdims = w.dims;
    const int64_t axis = rows_are_channels ? 0 : 1;
    const int wq = add_constant(name + ".q", wdims, DType::kInt8, stored.data(), stored.size());
    const int ws = add_constant(name + ".scale", {static_cast<int64_t>(channels)}, DType::kFloat32,
                                scales.data(), scales.size() * 4);
    const std::vector<int8_t> zeros(channels, 0);
    const int wz = add_constant(name + ".zero_point", {static_cast<int64_t>(channels)},
                                DType::kInt8, zeros.data(), channels);
    const int wdq = add_tensor(name + ".dq", DType::kFloat32);
    out->push_back(make_node("DequantizeLinear", name + ".dequantize", {wq, ws, wz}, {wdq}, axis));
    n->inputs[1] = wdq;
    // The bias (Conv / Gemm input 2): int32 with scale xs * ws[c].
    if (n->inputs.size() > 2 && n->inputs[2] >= 0 && !matmul) {
      const TensorDesc& b = g_.tensors[static_cast<size_t>(n->inputs[2])];
      if (b.constant && b.dtype == DType::kFloat32 && element_count(b) == channels) {
        const std::vector<float> bf = constant_floats(b);
        const std::string bname = b.name;
        std::vector<int32_t> bq(channels);
        std::vector<float> bs(channels);
        for (size_t c = 0; c < channels; ++c) {
          bs[c] = xs * scales[c];
          bq[c] = quantize_bias(bf[c], xs, scales[c]);
        }
        const int bqi = add_constant(bname + ".q", {static_cast<int64_t>(channels)}, DType::kInt32,
                                     bq.data(), bq.size() * 4);
        const int bsi = add_constant(bname + ".scale", {static_cast<int64_t>(channels)},
                                     DType::kFloat32, bs.data(), bs.size() * 4);
        const std::vector<int32_t> bz(channels, 0);
        const int bzi = add_constant(bname + ".zero_point", {static_cast<int64_t>(channels)},
                                     DType::kInt32, bz.data(), bz.size() * 4);
        const int bdq = add_tensor(bname + ".dq", DType::kFloat32);
        out->push_back(
            make_node("DequantizeLinear", bname + ".dequantize", {bqi, bsi, bzi}, {bdq}, 0));
        n->inputs[2] = bdq;
      }
    }
    return Status::ok();
  }

  const std::vector<Observer>& obs_;
  QuantizeOptions opt_;
  Graph& g_;
  std::vector<int> quantized_;               // tensor -> its report entry
  std::unordered_map<int, float> dq_scale_;  // DequantizeLinear output -> its scale
  std::unordered_set<std::string> names_;    // tensor names in use (unique_name)
};

}  // namespace

Status quantize_graph(const Graph& fp32, const std::vector<Observer>& observers,
                      const QuantizeOptions& options, Graph* qdq,
                      std::vector<QuantizedTensor>* report) {
  report->clear();
  return Quantizer(fp32, observers, options, qdq).run(report);
}

}  // namespace wi8
