#include "graph/qdq.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "graph/simplify.h"
#include "quant/quant.h"

namespace wi8 {

namespace {

class QdqFuser {
 public:
  explicit QdqFuser(Graph* g) : g_(*g) {}

  Status run() {
    index();
    sink_dequantize();
    index();
    for (size_t k = 0; k < g_.nodes.size(); ++k) {
      GraphNode& n = g_.nodes[k];
      if (n.op.empty()) continue;
      WI8_RETURN_IF_ERROR(fuse(n));
    }
    drop_requantize_identities();
    return Status::ok();
  }

  // QuantizeLinear(DequantizeLinear(x)) with the same parameters is x: readers of the
  // QuantizeLinear read x (the DequantizeLinear goes when nobody reads it).
  void drop_requantize_identities() {
    index();
    std::vector<int> to(g_.tensors.size());
    for (size_t k = 0; k < to.size(); ++k) to[k] = static_cast<int>(k);
    for (GraphNode& n : g_.nodes) {
      if (n.op.empty()) continue;
      for (int& in : n.inputs) {
        if (in >= 0) in = to[static_cast<size_t>(in)];
      }
      if (n.op != "QuantizeLinear" || !per_tensor(n) || n.outputs.size() != 1) continue;
      QIn x;
      if (!dq_input(n, 0, &x) || !x.per_tensor || !same_params(x, n)) continue;
      const int out = n.outputs[0];
      bool is_output = false;
      for (int o : g_.outputs) is_output = is_output || o == out;
      if (is_output) continue;
      to[static_cast<size_t>(out)] = x.q;
      n.op.clear();
    }
  }

 private:
  TensorDesc& tensor(int id) { return g_.tensors[static_cast<size_t>(id)]; }
  bool is_constant(int id) const { return id >= 0 && g_.tensors[static_cast<size_t>(id)].constant; }

  void index() {
    producer_.assign(g_.tensors.size(), -1);
    readers_.assign(g_.tensors.size(), 0);
    reader_.assign(g_.tensors.size(), -1);
    for (size_t k = 0; k < g_.nodes.size(); ++k) {
      const GraphNode& n = g_.nodes[k];
      if (n.op.empty()) continue;
      for (int o : n.outputs) {
        if (o >= 0) producer_[static_cast<size_t>(o)] = static_cast<int>(k);
      }
      for (int in : n.inputs) {
        if (in < 0) continue;
        ++readers_[static_cast<size_t>(in)];
        reader_[static_cast<size_t>(in)] = static_cast<int>(k);
      }
    }
    for (int o : g_.outputs) readers_[static_cast<size_t>(o)] += 2;
  }

  // DequantizeLinear -> Reshape / Flatten / Squeeze / Unsqueeze becomes the reshape on the int8
  // tensor, then the DequantizeLinear, so the op after it sees a DequantizeLinear input (the two
  // nodes swap roles in place, keeping the order topological).
  void sink_dequantize() {
    for (GraphNode& r : g_.nodes) {
      const bool moves =
          r.op == "Reshape" || r.op == "Flatten" || r.op == "Squeeze" || r.op == "Unsqueeze";
      if (!moves || r.inputs.empty() || r.outputs.size() != 1) continue;
      GraphNode* dq = producer(r.inputs[0]);
      if (!dq || dq->op != "DequantizeLinear" || !per_tensor(*dq)) continue;
      if (readers_[static_cast<size_t>(dq->outputs[0])] != 1) continue;
      bool rest_constant = true;  // the reshape moves up to the DequantizeLinear's place
      for (size_t k = 1; k < r.inputs.size(); ++k) {
        rest_constant = rest_constant && (r.inputs[k] < 0 || is_constant(r.inputs[k]));
      }
      if (!rest_constant) continue;
      const int moved = dq->outputs[0];  // reused as the int8 reshape's output
      GraphNode reshape = r;
      reshape.inputs[0] = dq->inputs[0];
      reshape.outputs = {moved};
      GraphNode deq = *dq;
      deq.inputs[0] = moved;
      deq.outputs = r.outputs;
      deq.name = r.name + ".dq";
      reshape.source_index = dq->source_index;
      deq.source_index = r.source_index;
      *dq = std::move(reshape);
      r = std::move(deq);
    }
  }

  GraphNode* producer(int id) {
    if (id < 0 || producer_[static_cast<size_t>(id)] < 0) return nullptr;
    GraphNode* p = &g_.nodes[static_cast<size_t>(producer_[static_cast<size_t>(id)])];
    return p->op.empty() ? nullptr : p;
  }
  // The one node that reads `id`, if it has exactly one output (what fusing into it needs: a
  // model may declare a node with none, or with its output left unnamed), or null.
  GraphNode* sole_reader(int id) {
    if (id < 0 || readers_[static_cast<size_t>(id)] != 1) return nullptr;
    GraphNode* r = &g_.nodes[static_cast<size_t>(reader_[static_cast<size_t>(id)])];
    return r->op.empty() || r->outputs.size() != 1 || r->outputs[0] < 0 ? nullptr : r;
  }

  // A per-tensor Q / DQ node: constant scale of one value, constant (or absent) zero point.
  bool per_tensor(const GraphNode& q) {
    if (q.inputs.size() < 2 || !is_constant(q.inputs[1])) return false;
    if (element_count(tensor(q.inputs[1])) != 1) return false;
    if (q.inputs.size() > 2 && q.inputs[2] >= 0) {
      if (!is_constant(q.inputs[2]) || element_count(tensor(q.inputs[2])) != 1) return false;
    }
    return true;
  }

  // Input k of n as (quantized tensor, scale, zero point) when it is a DequantizeLinear's output.
  struct QIn {
    int q = -1, scale = -1, zp = -1;
    bool per_tensor = false;
  };
  bool dq_input(const GraphNode& n, size_t k, QIn* out) {
    if (k >= n.inputs.size()) return false;
    GraphNode* dq = producer(n.inputs[k]);
    if (!dq || dq->op != "DequantizeLinear" || dq->inputs.size() < 2) return false;
    out->q = dq->inputs[0];
    out->scale = dq->inputs[1];
    out->zp = dq->inputs.size() > 2 ? dq->inputs[2] : -1;
    out->per_tensor = per_tensor(*dq);
    return is_constant(out->scale) && (out->zp < 0 || is_constant(out->zp));
  }

  // The QuantizeLinear that is the only reader of n's output, possibly through a Relu / Clip with
  // constant bounds (returned in lo / hi).
  GraphNode* q_output(GraphNode& n, GraphNode** act, float* lo, float* hi) {
    *act = nullptr;
    *lo = -std::numeric_limits<float>::infinity();
    *hi = std::numeric_limits<float>::infinity();
    if (n.outputs.size() != 1) return nullptr;
    GraphNode* r = sole_reader(n.outputs[0]);
    if (r && (r->op == "Relu" || r->op == "Clip")) {
      if (r->op == "Relu") {
        *lo = 0.0f;
      } else if (!clip_bounds(*r, lo, hi)) {
        return nullptr;
      }
      *act = r;
      r = sole_reader(r->outputs[0]);
    }
    if (!r || r->op != "QuantizeLinear" || !per_tensor(*r) || r->inputs.size() < 3 ||
        r->inputs[2] < 0) {
      return nullptr;
    }
    return r;
  }

  bool clip_bounds(const GraphNode& n, float* lo, float* hi) {
    if (const Attr* a = n.attr("min")) *lo = a->f;
    if (const Attr* a = n.attr("max")) *hi = a->f;
    for (size_t k = 1; k < n.inputs.size() && k < 3; ++k) {
      if (n.inputs[k] < 0) continue;
      if (!is_constant(n.inputs[k]) || element_count(tensor(n.inputs[k])) != 1) return false;
      (k == 1 ? *lo : *hi) = constant_floats(tensor(n.inputs[k]))[0];
    }
    return true;
  }

  int add_int32(const std::string& name, std::vector<int64_t> dims, const std::vector<int32_t>& v) {
    TensorDesc t;
    t.name = name;
    t.constant = true;
    t.has_shape = true;
    t.dtype = DType::kInt32;
    t.dims = std::move(dims);
    t.data.resize(v.size() * 4);
    for (size_t k = 0; k < v.size(); ++k) std::memcpy(&t.data[4 * k], &v[k], 4);
    g_.tensors.push_back(std::move(t));
    producer_.push_back(-1);
    readers_.push_back(0);
    reader_.push_back(-1);
    return static_cast<int>(g_.tensors.size() - 1);
  }

  // The int32 bias for scale x_scale x w_scale[c]: a DequantizeLinear'd int32 constant whose scale
  // matches is used as it is; a float constant is quantized. -1 when there is none; -2 if it is
  // neither.
  int int32_bias(const GraphNode& n, size_t k, int x_scale, int w_scale, size_t channels) {
    if (k >= n.inputs.size() || n.inputs[k] < 0) return -1;
    const std::vector<float> xs = constant_floats(tensor(x_scale));
    std::vector<float> ws = constant_floats(tensor(w_scale));
    if (ws.size() == 1) ws.assign(channels, ws[0]);
    if (ws.size() != channels) return -2;
    QIn b;
    if (dq_input(n, k, &b) && is_constant(b.q) && tensor(b.q).dtype == DType::kInt32) {
      const std::vector<float> bs = constant_floats(tensor(b.scale));
      bool same = bs.size() == 1 || bs.size() == channels;
      for (size_t c = 0; same && c < channels; ++c) {
        const float want = xs[0] * ws[c];
        const float got = bs.size() == 1 ? bs[0] : bs[c];
        same = std::fabs(got - want) <= 1e-6f * want;
      }
      if (same && (b.zp < 0 || constant_ints(tensor(b.zp)) ==
                                   std::vector<int64_t>(element_count(tensor(b.zp)), 0))) {
        return b.q;
      }
      const std::vector<float> real = dequantized(b);
      if (real.size() != channels) return -2;
      return quantized_bias(real, xs[0], ws);
    }
    if (!is_constant(n.inputs[k]) || tensor(n.inputs[k]).dtype != DType::kFloat32) return -2;
    const std::vector<float> real = constant_floats(tensor(n.inputs[k]));
    if (real.size() != channels) return -2;
    return quantized_bias(real, xs[0], ws);
  }

  std::vector<float> dequantized(const QIn& b) {
    const std::vector<int64_t> q = constant_ints(tensor(b.q));
    const std::vector<float> s = constant_floats(tensor(b.scale));
    const std::vector<int64_t> z =
        b.zp >= 0 ? constant_ints(tensor(b.zp)) : std::vector<int64_t>(1, 0);
    std::vector<float> r(q.size());
    for (size_t k = 0; k < q.size(); ++k) {
      const float sk = s.size() == 1 ? s[0] : s[k % s.size()];
      const int64_t zk = z.size() == 1 ? z[0] : z[k % z.size()];
      r[k] = static_cast<float>(q[k] - zk) * sk;
    }
    return r;
  }

  int quantized_bias(const std::vector<float>& real, float xs, const std::vector<float>& ws) {
    std::vector<int32_t> q(real.size());
    for (size_t c = 0; c < real.size(); ++c) q[c] = quantize_bias(real[c], xs, ws[c]);
    return add_int32("qdq.bias." + std::to_string(g_.tensors.size()),
                     {static_cast<int64_t>(real.size())}, q);
  }

  void set_activation(GraphNode* n, float lo, float hi) {
    if (std::isinf(lo) && std::isinf(hi)) return;
    Attr a, b;
    a.name = kFusedMin;
    a.kind = AttrKind::kFloat;
    a.f = lo;
    b.name = kFusedMax;
    b.kind = AttrKind::kFloat;
    b.f = hi;
    n->attrs.push_back(a);
    n->attrs.push_back(b);
  }

  // Replaces n (and the activation and Q after it) by a node `op` with these inputs.
  void replace(GraphNode& n, GraphNode* act, GraphNode* q, const std::string& op,
               std::vector<int> inputs, float lo, float hi) {
    n.op = op;
    n.inputs = std::move(inputs);
    n.outputs = {q->outputs[0]};
    set_activation(&n, lo, hi);
    producer_[static_cast<size_t>(q->outputs[0])] = static_cast<int>(&n - g_.nodes.data());
    if (act) act->op.clear();
    q->op.clear();
  }

  Status fuse(GraphNode& n) {
    const std::string op = n.op;
    GraphNode* act;
    float lo, hi;
    if (op == "Conv" || op == "MatMul" || op == "Gemm") {
      QIn x, w;
      if (!dq_input(n, 0, &x) || !dq_input(n, 1, &w) || !x.per_tensor) return Status::ok();
      if (!is_constant(w.q)) return Status::ok();
      const DType wt = tensor(w.q).dtype;
      if (wt != DType::kInt8 && wt != DType::kUint8) return Status::ok();
      GraphNode* q = q_output(n, &act, &lo, &hi);
      if (!q) return Status::ok();
      const TensorDesc& wd = tensor(w.q);
      if (op == "Conv") {
        if (wd.dims.size() != 4) return Status::ok();
        const size_t oc = static_cast<size_t>(wd.dims[0]);
        const int bias = int32_bias(n, 2, x.scale, w.scale, oc);
        if (bias == -2) return Status::ok();
        std::vector<int> in = {x.q, x.scale, x.zp, w.q, w.scale, w.zp, q->inputs[1], q->inputs[2]};
        if (bias >= 0) in.push_back(bias);
        replace(n, act, q, "QLinearConv", in, lo, hi);
      } else if (op == "MatMul") {
        if (wd.dims.size() != 2 || !w.per_tensor) return Status::ok();
        replace(n, act, q, "QLinearMatMul",
                {x.q, x.scale, x.zp, w.q, w.scale, w.zp, q->inputs[1], q->inputs[2]}, lo, hi);
      } else {
        const Attr* alpha = n.attr("alpha");
        const Attr* beta = n.attr("beta");
        const Attr* ta = n.attr("transA");
        if ((alpha && alpha->f != 1.0f) || (beta && beta->f != 1.0f) || (ta && ta->i != 0)) {
          return Status::ok();
        }
        if (wd.dims.size() != 2) return Status::ok();
        const Attr* tb = n.attr("transB");
        const size_t cols = static_cast<size_t>(tb && tb->i ? wd.dims[0] : wd.dims[1]);
        const int bias = int32_bias(n, 2, x.scale, w.scale, cols);
        if (bias == -2) return Status::ok();
        replace(n, act, q, "QGemm",
                {x.q, x.scale, x.zp, w.q, w.scale, w.zp, bias, q->inputs[1], q->inputs[2]}, lo, hi);
      }
      return Status::ok();
    }
    if (op == "Add" || op == "Mul") {
      QIn a, b;
      if (!dq_input(n, 0, &a) || !dq_input(n, 1, &b) || !a.per_tensor || !b.per_tensor) {
        return Status::ok();
      }
      GraphNode* q = q_output(n, &act, &lo, &hi);
      if (!q) return Status::ok();
      replace(n, act, q, op == "Add" ? "QLinearAdd" : "QLinearMul",
              {a.q, a.scale, a.zp, b.q, b.scale, b.zp, q->inputs[1], q->inputs[2]}, lo, hi);
      return Status::ok();
    }
    if (op == "GlobalAveragePool" || op == "AveragePool") {
      QIn x;
      if (!dq_input(n, 0, &x) || !x.per_tensor) return Status::ok();
      GraphNode* q = q_output(n, &act, &lo, &hi);
      if (!q || act) return Status::ok();
      replace(n, act, q, op == "AveragePool" ? "QLinearAveragePool" : "QLinearGlobalAveragePool",
              {x.q, x.scale, x.zp, q->inputs[1], q->inputs[2]}, lo, hi);
      return Status::ok();
    }
    if (op == "Concat") {
      std::vector<int> in;
      for (size_t k = 0; k < n.inputs.size(); ++k) {
        QIn x;
        if (!dq_input(n, k, &x) || !x.per_tensor) return Status::ok();
        in.insert(in.end(), {x.q, x.scale, x.zp});
      }
      GraphNode* q = q_output(n, &act, &lo, &hi);
      if (!q || act) return Status::ok();
      in.insert(in.begin(), {q->inputs[1], q->inputs[2]});
      replace(n, act, q, "QLinearConcat", in, lo, hi);
      return Status::ok();
    }
    if (op == "MaxPool" || op == "Reshape" || op == "Flatten" || op == "Squeeze" ||
        op == "Unsqueeze" || op == "Transpose") {
      // Ops that move values: int8 in, int8 out, when the parameters do not change.
      QIn x;
      if (!dq_input(n, 0, &x) || !x.per_tensor || n.outputs.size() != 1) return Status::ok();
      GraphNode* q = q_output(n, &act, &lo, &hi);
      if (!q || act || !same_params(x, *q)) return Status::ok();
      std::vector<int> in = n.inputs;
      in[0] = x.q;
      replace(n, act, q, op, in, lo, hi);
      return Status::ok();
    }
    return Status::ok();
  }

  bool same_params(const QIn& x, const GraphNode& q) {
    const int qz = q.inputs.size() > 2 ? q.inputs[2] : -1;
    if (constant_floats(tensor(x.scale)) != constant_floats(tensor(q.inputs[1]))) return false;
    if ((x.zp < 0) != (qz < 0)) return false;
    if (x.zp < 0) return true;
    return tensor(x.zp).dtype == tensor(qz).dtype &&
           constant_ints(tensor(x.zp)) == constant_ints(tensor(qz));
  }

  Graph& g_;
  std::vector<int> producer_, readers_, reader_;
};

}  // namespace

Status fuse_qdq(Graph* g) { return QdqFuser(g).run(); }

}  // namespace wi8
