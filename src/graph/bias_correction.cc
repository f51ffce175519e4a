#include "graph/bias_correction.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "graph/simplify.h"

namespace wi8 {

namespace {

// For each node of qdq, the fp32 node it was copied from, or -1 (a QuantizeLinear /
// DequantizeLinear quantize_graph() inserted). quantize_graph keeps the original nodes in order.
std::vector<int> original_nodes(const Graph& fp32, const Graph& qdq) {
  std::vector<int> of(qdq.nodes.size(), -1);
  size_t next = 0;
  for (size_t k = 0; k < qdq.nodes.size() && next < fp32.nodes.size(); ++k) {
    const GraphNode& q = qdq.nodes[k];
    const GraphNode& f = fp32.nodes[next];
    if (q.op == f.op && q.name == f.name && q.source_index == f.source_index) {
      of[k] = static_cast<int>(next++);
    }
  }
  return of;
}

}  // namespace

BiasCorrection::BiasCorrection(const Graph& fp32, const Graph& qdq) {
  std::vector<int> producer(qdq.tensors.size(), -1);
  for (size_t k = 0; k < qdq.nodes.size(); ++k) {
    for (int o : qdq.nodes[k].outputs) {
      if (o >= 0) producer[static_cast<size_t>(o)] = static_cast<int>(k);
    }
  }
  auto constant = [&](int id, DType t) {
    return id >= 0 && qdq.tensors[static_cast<size_t>(id)].constant &&
           qdq.tensors[static_cast<size_t>(id)].dtype == t;
  };
  // The measuring graph: qdq's tensors (its ids extend fp32's), fp32's constants back (the float
  // weights the int8 ones replaced), fp32's nodes, and a shadow copy of each site.
  measuring_.opset = qdq.opset;
  measuring_.tensors = qdq.tensors;
  for (size_t t = 0; t < fp32.tensors.size(); ++t) measuring_.tensors[t] = fp32.tensors[t];
  measuring_.inputs = fp32.inputs;
  measuring_.outputs = fp32.outputs;
  std::vector<bool> available(measuring_.tensors.size(), false);
  for (size_t t = 0; t < available.size(); ++t) available[t] = measuring_.tensors[t].constant;
  for (int in : fp32.inputs) available[static_cast<size_t>(in)] = true;
  auto inputs_ready = [&](const GraphNode& n) {
    for (int in : n.inputs) {
      if (in >= 0 && !available[static_cast<size_t>(in)]) return false;
    }
    return true;
  };
  const std::vector<int> original = original_nodes(fp32, qdq);
  for (size_t k = 0; k < qdq.nodes.size(); ++k) {
    const GraphNode& q = qdq.nodes[k];
    std::vector<GraphNode> add;
    if (original[k] < 0) {
      // Fake quantization of an fp32 tensor, or a weight / bias DequantizeLinear. The final
      // DequantizeLinear of a graph output is left out: the fp32 node writes that output.
      if (inputs_ready(q)) add.push_back(q);
    } else {
      const GraphNode& f = fp32.nodes[static_cast<size_t>(original[k])];
      const bool site_op = (q.op == "Conv" || q.op == "Gemm") && q.inputs.size() >= 3 &&
                           q.inputs[2] >= 0 && q.outputs.size() == 1 && q.outputs[0] >= 0 &&
                           f.outputs.size() == 1 && f.outputs[0] >= 0;
      const int dq = site_op ? producer[static_cast<size_t>(q.inputs[2])] : -1;
      if (dq >= 0 && inputs_ready(q)) {
        const GraphNode& bias_dq = qdq.nodes[static_cast<size_t>(dq)];
        Site s;
        s.bias_q = bias_dq.inputs.empty() ? -1 : bias_dq.inputs[0];
        const bool per_channel_int32 =
            bias_dq.op == "DequantizeLinear" && bias_dq.inputs.size() >= 2 &&
            constant(s.bias_q, DType::kInt32) && constant(bias_dq.inputs[1], DType::kFloat32);
        const size_t channels =
            per_channel_int32 ? element_count(qdq.tensors[static_cast<size_t>(s.bias_q)]) : 0;
        if (channels > 0) {
          s.scale = constant_floats(qdq.tensors[static_cast<size_t>(bias_dq.inputs[1])]);
        }
        // Gemm adds beta * C: the bias moves by beta per step (beta = 0: no bias to correct).
        const Attr* beta = q.op == "Gemm" ? q.attr("beta") : nullptr;
        s.bias_gain = beta ? static_cast<double>(beta->f) : 1.0;
        if (channels > 0 && s.scale.size() == channels && s.bias_gain != 0.0 &&
            std::isfinite(s.bias_gain)) {
          const std::string out = fp32.tensors[static_cast<size_t>(f.outputs[0])].name;
          TensorDesc shadow;
          shadow.name = out + ".shadow";
          measuring_.tensors.push_back(shadow);
          available.push_back(true);
          GraphNode copy = q;
          copy.name = q.name + ".shadow";
          copy.outputs[0] = static_cast<int>(measuring_.tensors.size() - 1);
          add.push_back(std::move(copy));
          const bool fused = q.attr(kFusedMin) || q.attr(kFusedMax);  // split below
          s.fp32_name = fused ? out + kPreactivationSuffix : out;
          s.shadow_name = fused ? shadow.name + kPreactivationSuffix : shadow.name;
          s.error_sum.assign(channels, 0.0);
          sites_.push_back(std::move(s));
        }
      }
      add.push_back(f);
    }
    for (GraphNode& n : add) {
      for (int o : n.outputs) {
        if (o >= 0) available[static_cast<size_t>(o)] = true;
      }
      measuring_.nodes.push_back(std::move(n));
    }
  }
  split_fused_activations(&measuring_);
}

std::vector<std::string> BiasCorrection::captured_names() const {
  std::vector<std::string> names;
  for (const Site& s : sites_) {
    names.push_back(s.fp32_name);
    names.push_back(s.shadow_name);
  }
  return names;
}

void BiasCorrection::add(const TensorCaptures& run) {
  for (Site& s : sites_) {
    const auto f = run.find(s.fp32_name);
    const auto q = run.find(s.shadow_name);
    if (f == run.end() || q == run.end()) continue;
    const CapturedTensor& a = f->second;
    const CapturedTensor& b = q->second;
    const size_t channels = s.error_sum.size();
    // Conv outputs [N, C, H, W], Gemm outputs [N, C]: channels on axis 1.
    if (a.dims != b.dims || a.dims.size() < 2 || a.dims[1] != static_cast<int64_t>(channels) ||
        a.values.size() != b.values.size() || a.values.empty()) {
      continue;
    }
    size_t inner = 1;
    for (size_t d = 2; d < a.dims.size(); ++d) inner *= static_cast<size_t>(a.dims[d]);
    for (size_t k = 0; k < a.values.size(); ++k) {
      s.error_sum[(k / inner) % channels] +=
          static_cast<double>(a.values[k]) - static_cast<double>(b.values[k]);
    }
    s.count += static_cast<double>(a.values.size() / channels);
  }
}

size_t BiasCorrection::apply(Graph* qdq) const {
  size_t changed = 0;
  const double limit = static_cast<double>(std::numeric_limits<int32_t>::max());
  for (const Site& s : sites_) {
    if (s.count == 0) continue;
    TensorDesc& t = qdq->tensors[static_cast<size_t>(s.bias_q)];
    bool any = false;
    for (size_t c = 0; c < s.error_sum.size(); ++c) {
      if (!(s.scale[c] > 0)) continue;
      const double steps =
          std::round(s.error_sum[c] / s.count / static_cast<double>(s.scale[c]) / s.bias_gain);
      if (steps == 0 || !std::isfinite(steps)) continue;
      int32_t b;
      std::memcpy(&b, t.data.data() + 4 * c, 4);
      const double v = static_cast<double>(b) + steps;
      b = static_cast<int32_t>(v > limit ? limit : v < -limit ? -limit : v);
      std::memcpy(t.data.data() + 4 * c, &b, 4);
      any = true;
    }
    changed += any;
  }
  return changed;
}

}  // namespace wi8
