#include "graph/lower.h"

#include <chrono>
#include <cstring>

#include "core/parallel.h"
#include "graph/fold.h"
#include "graph/planner.h"
#include "graph/simplify.h"
#include "ops/transpose.h"

namespace wi8 {

namespace {

std::string dims_string(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t k = 0; k < d.size(); ++k) s += (k ? ", " : "") + std::to_string(d[k]);
  return s + "]";
}

}  // namespace

namespace {

Status unsupported(const GraphNode& n) {
  std::string list;
  for (const std::string& s : supported_ops()) list += (list.empty() ? "" : ", ") + s;
  return Status::error("ONNX: " + n.where() + ": operator '" + n.op +
                       "' is not supported (supported: " + list + ")");
}

}  // namespace

Status check_supported_ops(const Graph& g) {
  for (const GraphNode& n : g.nodes) {
    if (!find_lowering(n.op) && !foldable_op(n.op)) return unsupported(n);
  }
  return Status::ok();
}

Status Lowerer::at(const GraphNode& n, const Status& s) {
  if (s.is_ok()) return s;
  return Status::error("ONNX: " + n.where() + ": " + s.message());
}

int Lowerer::input(const GraphNode& n, size_t k) const {
  if (k >= n.inputs.size() || n.inputs[k] < 0) return -1;
  return tensor_value_[static_cast<size_t>(n.inputs[k])];
}

Shape Lowerer::physical(int v) const {
  const Value& x = value(v);
  Shape s(x.dims.begin(), x.dims.end());
  if (x.nhwc) s = {s[0], s[2], s[3], s[1]};
  return s;
}

size_t Lowerer::elements(int v) const {
  size_t n = 1;
  for (int64_t d : value(v).dims) n *= static_cast<size_t>(d);
  return n;
}

int Lowerer::add_value(Value v) {
  values_.push_back(std::move(v));
  return static_cast<int>(values_.size() - 1);
}

Status Lowerer::new_value(const GraphNode& n, DType t, std::vector<int64_t> dims, bool nhwc,
                          int* out) {
  Shape s;
  for (int64_t d : dims) {
    if (d < 0) return at(n, Status::error("negative dimension in " + dims_string(dims)));
    s.push_back(static_cast<size_t>(d));
  }
  size_t count;
  WI8_RETURN_IF_ERROR(at(n, checked_elements(s, "output " + dims_string(dims), &count)));
  Buffer b;
  b.bytes = count * dtype_size(t);
  if (b.bytes > limits_.max_arena_bytes) {
    return at(n, Status::error("an output of " + std::to_string(b.bytes) +
                               " bytes exceeds the arena limit of " +
                               std::to_string(limits_.max_arena_bytes)));
  }
  buffers_.push_back(b);
  Value v;
  v.dtype = t;
  v.dims = std::move(dims);
  v.nhwc = nhwc && v.dims.size() == 4;
  v.buffer = static_cast<int>(buffers_.size() - 1);
  *out = add_value(std::move(v));
  return Status::ok();
}

void Lowerer::set_quant(int v, const QuantParams& q, bool from_u8) {
  Value& x = values_[static_cast<size_t>(v)];
  x.q = q;
  x.has_q = true;
  x.from_u8 = from_u8;
}

int Lowerer::alias(int v, std::vector<int64_t> dims, bool nhwc) {
  Value a;
  a.q = value(v).q;
  a.has_q = value(v).has_q;
  a.from_u8 = value(v).from_u8;
  a.dtype = value(v).dtype;
  a.dims = std::move(dims);
  a.buffer = value(v).buffer;
  a.nhwc = nhwc && a.dims.size() == 4;
  return add_value(std::move(a));
}

void Lowerer::bind(const GraphNode& n, size_t k, int v) {
  if (k < n.outputs.size() && n.outputs[k] >= 0) {
    tensor_value_[static_cast<size_t>(n.outputs[k])] = v;
    const Value& x = value(v);
    const bool observable = !x.constant && (x.dtype == DType::kFloat32 ||
                                            (captures_ && x.dtype == DType::kInt8 && x.has_q));
    if ((observers_ || captures_) && observable) to_observe_.emplace_back(n.outputs[k], v);
  }
}

Status Lowerer::flush_observations(const GraphNode& n) {
  std::vector<std::pair<int, int>> list;
  list.swap(to_observe_);
  for (const auto& [tensor, v] : list) {
    std::vector<Observer>* obs = observers_;
    const size_t count = elements(v);
    const size_t id = static_cast<size_t>(tensor);
    if (captures_ && (capture_all_ || captures_->count(g_.tensors[id].name))) {
      // Values in the model's layout, int8 dequantized.
      int c;
      WI8_RETURN_IF_ERROR(canonical(n, v, &c));
      CapturedTensor* capture = &(*captures_)[g_.tensors[id].name];
      capture->dims = value(c).dims;
      std::vector<float>* dst = &capture->values;
      const bool f32 = value(c).dtype == DType::kFloat32;
      const QuantParams q = value(c).q;
      WI8_RETURN_IF_ERROR(
          add_step("Capture", n, {c}, {}, 0, [dst, count, f32, q](const Executor::StepIO& io) {
            dst->resize(count);
            const float* xf = reinterpret_cast<const float*>(io.in[0]);
            const int8_t* xq = reinterpret_cast<const int8_t*>(io.in[0]);
            for (size_t k = 0; k < count; ++k) {
              (*dst)[k] = f32 ? xf[k] : q.scale * static_cast<float>(xq[k] - q.zero_point);
            }
            return Status::ok();
          }));
    }
    if (!observers_ || value(v).dtype != DType::kFloat32) continue;
    WI8_RETURN_IF_ERROR(
        add_step("Observe", n, {v}, {}, 0, [obs, id, count](const Executor::StepIO& io) {
          (*obs)[id].observe(reinterpret_cast<const float*>(io.in[0]), count);
          return Status::ok();
        }));
  }
  return Status::ok();
}

void Lowerer::bind_constant(const GraphNode& n, size_t k, TensorDesc t) {
  ex_.folded_.push_back(std::move(t));
  Value v;
  v.dtype = ex_.folded_.back().dtype;
  v.dims = ex_.folded_.back().dims;
  v.constant = &ex_.folded_.back();
  bind(n, k, add_value(std::move(v)));
}

Status Lowerer::add_step(const std::string& op, const GraphNode& n, const std::vector<int>& in,
                         const std::vector<int>& out, size_t workspace_bytes, Executor::StepFn fn) {
  const size_t step = ex_.steps_.size();
  for (int v : in) {
    Buffer& b = buffers_[static_cast<size_t>(value(v).buffer)];
    b.last = std::max(b.last, step);
  }
  for (int v : out) {
    Buffer& b = buffers_[static_cast<size_t>(value(v).buffer)];
    if (b.first == kNoStep) b.first = step;
    b.last = std::max(b.last, step);
  }
  Executor::Step s;
  s.fn = std::move(fn);
  ex_.steps_.push_back(std::move(s));
  ex_.step_info_.push_back({op, n.where()});
  pending_.push_back({in, out, workspace_bytes});
  return Status::ok();
}

Status Lowerer::runtime(const GraphNode& n, int v, int* out) {
  const TensorDesc* c = value(v).constant;
  if (!c) {
    *out = v;
    return Status::ok();
  }
  WI8_RETURN_IF_ERROR(new_value(n, c->dtype, c->dims, false, out));
  const std::vector<uint8_t>* data = &c->data;
  return add_step("Constant", n, {}, {*out}, 0, [data](const Executor::StepIO& io) {
    if (!data->empty()) std::memcpy(io.out[0], data->data(), data->size());
    return Status::ok();
  });
}

Status Lowerer::s8(const GraphNode& n, int v, int* out) {
  if (value(v).dtype == DType::kInt8) return runtime(n, v, out);
  if (value(v).dtype != DType::kUint8) {
    return at(n, Status::error(std::string("expects an int8 or uint8 tensor, got ") +
                               dtype_name(value(v).dtype)));
  }
  if (value(v).s8_twin >= 0) {
    *out = value(v).s8_twin;
    return Status::ok();
  }
  if (const TensorDesc* c = value(v).constant) {
    TensorDesc t = *c;
    t.dtype = DType::kInt8;
    for (uint8_t& b : t.data) b ^= 0x80;
    ex_.folded_.push_back(std::move(t));
    Value cv;
    cv.dtype = DType::kInt8;
    cv.dims = c->dims;
    cv.constant = &ex_.folded_.back();
    cv.from_u8 = true;
    int k = add_value(std::move(cv));
    WI8_RETURN_IF_ERROR(runtime(n, k, out));
  } else {
    const Value x = value(v);
    WI8_RETURN_IF_ERROR(new_value(n, DType::kInt8, x.dims, x.nhwc, out));
    const size_t count = elements(v);
    WI8_RETURN_IF_ERROR(
        add_step("uint8 -> int8", n, {v}, {*out}, 0, [count](const Executor::StepIO& io) {
          for (size_t k = 0; k < count; ++k) io.out[0][k] = io.in[0][k] ^ 0x80;
          return Status::ok();
        }));
  }
  values_[static_cast<size_t>(*out)].from_u8 = true;
  values_[static_cast<size_t>(v)].s8_twin = *out;
  return Status::ok();
}

Status Lowerer::transpose_step(const GraphNode& n, int v, const std::vector<int64_t>& perm,
                               bool to_nhwc, int* out) {
  const Value& x = value(v);
  std::unique_ptr<Transpose> t;
  WI8_RETURN_IF_ERROR(at(n, Transpose::create(physical(v), perm, &t)));
  WI8_RETURN_IF_ERROR(new_value(n, x.dtype, x.dims, to_nhwc, out));
  if (x.has_q) set_quant(*out, x.q, x.from_u8);
  std::shared_ptr<Transpose> op(std::move(t));
  const size_t count = op->size();
  const bool f32 = dtype_size(x.dtype) == 4;
  if (!f32 && dtype_size(x.dtype) != 1) {
    return at(n, Status::error(std::string("layout change of a ") + dtype_name(x.dtype) +
                               " tensor is not supported"));
  }
  return add_step(to_nhwc ? "Transpose NCHW->NHWC" : "Transpose NHWC->NCHW", n, {v}, {*out}, 0,
                  [op, count, f32](const Executor::StepIO& io) {
                    if (f32) {
                      return op->run(reinterpret_cast<const float*>(io.in[0]), count,
                                     reinterpret_cast<float*>(io.out[0]), count);
                    }
                    return op->run(reinterpret_cast<const int8_t*>(io.in[0]), count,
                                   reinterpret_cast<int8_t*>(io.out[0]), count);
                  });
}

Status Lowerer::nhwc(const GraphNode& n, int v, int* out) {
  WI8_RETURN_IF_ERROR(runtime(n, v, &v));
  Value& x = values_[static_cast<size_t>(v)];
  if (x.dims.size() != 4) {
    return at(n, Status::error("expects a 4-D input, got shape " + dims_string(x.dims)));
  }
  if (x.nhwc) {
    *out = v;
    return Status::ok();
  }
  if (x.nhwc_twin >= 0) {
    *out = x.nhwc_twin;
    return Status::ok();
  }
  int r;
  if (x.dims[1] == 1 || x.dims[2] * x.dims[3] == 1) {
    r = alias(v, x.dims, true);  // the same bytes in both layouts
  } else {
    WI8_RETURN_IF_ERROR(transpose_step(n, v, {0, 2, 3, 1}, true, &r));
  }
  values_[static_cast<size_t>(v)].nhwc_twin = r;
  values_[static_cast<size_t>(r)].canonical_twin = v;
  *out = r;
  return Status::ok();
}

Status Lowerer::canonical(const GraphNode& n, int v, int* out) {
  WI8_RETURN_IF_ERROR(runtime(n, v, &v));
  const Value& x = value(v);
  if (!x.nhwc) {
    *out = v;
    return Status::ok();
  }
  if (x.canonical_twin >= 0) {
    *out = x.canonical_twin;
    return Status::ok();
  }
  int r;
  if (x.dims[1] == 1 || x.dims[2] * x.dims[3] == 1) {
    r = alias(v, x.dims, false);
  } else {
    WI8_RETURN_IF_ERROR(transpose_step(n, v, {0, 3, 1, 2}, false, &r));
  }
  values_[static_cast<size_t>(v)].canonical_twin = r;
  values_[static_cast<size_t>(r)].nhwc_twin = v;
  *out = r;
  return Status::ok();
}

Status Lowerer::lower_node(const GraphNode& n) {
  // All inputs constant: evaluate at load when fold.cc knows the op.
  bool all_constant = !n.inputs.empty() || n.op == "ConstantOfShape";
  std::vector<const TensorDesc*> in;
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    const int v = input(n, k);
    if (v >= 0 && !value(v).constant) all_constant = false;
    in.push_back(constant(v));
  }
  if (all_constant) {
    std::vector<TensorDesc> out;
    bool done = false;
    WI8_RETURN_IF_ERROR(fold_constant_node(g_, n, in, &out, &done));
    if (done) {
      for (size_t k = 0; k < out.size(); ++k) bind_constant(n, k, std::move(out[k]));
      return Status::ok();
    }
  }
  const LowerFn fn = find_lowering(n.op);
  if (!fn) {
    if (foldable_op(n.op)) {
      return Status::error("ONNX: " + n.where() + ": operator '" + n.op +
                           "' is supported on constant inputs only (computed at load)");
    }
    return unsupported(n);
  }
  WI8_RETURN_IF_ERROR(fn(*this, n));
  WI8_RETURN_IF_ERROR(flush_observations(n));
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    if (n.outputs[k] >= 0 && tensor_value_[static_cast<size_t>(n.outputs[k])] < 0 && k == 0) {
      return Status::error("ONNX: " + n.where() + ": internal error: output not produced");
    }
  }
  return Status::ok();
}

Status Lowerer::run(const std::vector<Shape>& input_shapes,
                    const std::vector<const TensorDesc*>& frozen) {
  if (input_shapes.size() != g_.inputs.size()) {
    return Status::error("the model has " + std::to_string(g_.inputs.size()) + " inputs, " +
                         std::to_string(input_shapes.size()) + " shapes were given");
  }
  tensor_value_.assign(g_.tensors.size(), -1);
  for (size_t t = 0; t < g_.tensors.size(); ++t) {
    const TensorDesc& d = g_.tensors[t];
    if (!d.constant) continue;
    Value v;
    v.dtype = d.dtype;
    v.dims = d.dims;
    v.constant = &d;
    tensor_value_[t] = add_value(std::move(v));
  }
  if (!frozen.empty() && frozen.size() != g_.inputs.size()) {
    return Status::error("frozen inputs: one entry per model input is needed");
  }
  for (size_t i = 0; i < g_.inputs.size(); ++i) {
    const TensorDesc& d = g_.tensors[static_cast<size_t>(g_.inputs[i])];
    if (!frozen.empty() && frozen[i]) {
      const TensorDesc& f = *frozen[i];
      if (f.dtype != d.dtype) {
        return Status::error("frozen input '" + d.name + "' is " + dtype_name(f.dtype) +
                             ", the model declares " + dtype_name(d.dtype));
      }
      Value v;
      v.dtype = f.dtype;
      v.dims = f.dims;
      v.constant = &f;
      tensor_value_[static_cast<size_t>(g_.inputs[i])] = add_value(std::move(v));
      continue;
    }
    const Shape& s = input_shapes[i];
    const std::string what = "input '" + d.name + "'";
    if (d.has_shape && d.dims.size() != s.size()) {
      return Status::error(what + " has rank " + std::to_string(d.dims.size()) + " in the model, " +
                           std::to_string(s.size()) + " was given");
    }
    std::vector<int64_t> dims;
    for (size_t k = 0; k < s.size(); ++k) {
      if (d.has_shape && d.dims[k] >= 0 && static_cast<size_t>(d.dims[k]) != s[k]) {
        return Status::error(what + ": dimension " + std::to_string(k) + " is " +
                             std::to_string(d.dims[k]) + " in the model, " + std::to_string(s[k]) +
                             " was given");
      }
      dims.push_back(static_cast<int64_t>(s[k]));
    }
    size_t count;
    if (!checked_elements(s, what, &count).is_ok()) {
      return Status::error(what + " of shape " + shape_string(s) + " has more than " +
                           std::to_string(kMaxElements) + " elements");
    }
    GraphNode pseudo;
    pseudo.name = d.name;
    pseudo.op = "input";
    int v;
    WI8_RETURN_IF_ERROR(new_value(pseudo, d.dtype, dims, false, &v));
    buffers_[static_cast<size_t>(value(v).buffer)].first = 0;
    tensor_value_[static_cast<size_t>(g_.inputs[i])] = v;
    if ((observers_ || captures_) && d.dtype == DType::kFloat32) {
      to_observe_.emplace_back(g_.inputs[i], v);
      WI8_RETURN_IF_ERROR(flush_observations(pseudo));
    }
    ex_.inputs_.push_back({d.name, d.dtype, s});
  }
  for (const GraphNode& n : g_.nodes) WI8_RETURN_IF_ERROR(lower_node(n));
  return finish();
}

Status Lowerer::finish() {
  std::vector<int> outs;
  for (int t : g_.outputs) {
    const TensorDesc& d = g_.tensors[static_cast<size_t>(t)];
    int v = tensor_value_[static_cast<size_t>(t)];
    GraphNode pseudo;
    pseudo.name = d.name;
    pseudo.op = "output";
    if (v < 0) return Status::error("graph output '" + d.name + "' is not computed");
    WI8_RETURN_IF_ERROR(canonical(pseudo, v, &v));
    if (value(v).dtype == DType::kInt8 && value(v).from_u8) {
      // Back to the model's uint8.
      const Value x = value(v);
      int u;
      WI8_RETURN_IF_ERROR(new_value(pseudo, DType::kUint8, x.dims, false, &u));
      const size_t count = elements(v);
      WI8_RETURN_IF_ERROR(
          add_step("int8 -> uint8", pseudo, {v}, {u}, 0, [count](const Executor::StepIO& io) {
            for (size_t k = 0; k < count; ++k) {
              io.out[0][k] = io.in[0][k] ^ 0x80;
            }
            return Status::ok();
          }));
      v = u;
    }
    outs.push_back(v);
    const Value& x = value(v);
    ex_.outputs_.push_back({d.name, x.dtype, Shape(x.dims.begin(), x.dims.end())});
  }
  const size_t steps = ex_.steps_.size();
  for (int v : outs) buffers_[static_cast<size_t>(value(v).buffer)].last = steps;
  std::vector<PlannedBuffer> planned(buffers_.size());
  for (size_t b = 0; b < buffers_.size(); ++b) {
    planned[b].bytes = buffers_[b].bytes;
    planned[b].first = buffers_[b].first == kNoStep ? 0 : buffers_[b].first;
    planned[b].last = std::max(planned[b].first, buffers_[b].last);
  }
  ex_.arena_size_ = plan_arena(&planned);
  size_t ws = 0;
  for (const PendingStep& p : pending_) ws = std::max(ws, p.workspace);
  ex_.workspace_size_ = (ws + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  if (ex_.arena_size_ > limits_.max_arena_bytes ||
      ex_.workspace_size_ > limits_.max_arena_bytes - ex_.arena_size_) {
    return Status::error("the model needs " + std::to_string(ex_.arena_size_) +
                         " bytes of activations and " + std::to_string(ex_.workspace_size_) +
                         " of workspace, more than the limit of " +
                         std::to_string(limits_.max_arena_bytes));
  }
  ex_.memory_.assign(ex_.arena_size_ + ex_.workspace_size_ + kArenaAlignment, 0);
  const uintptr_t raw = reinterpret_cast<uintptr_t>(ex_.memory_.data());
  ex_.base_ = static_cast<size_t>((kArenaAlignment - raw % kArenaAlignment) % kArenaAlignment);
  auto offset = [&](int v) { return planned[static_cast<size_t>(value(v).buffer)].offset; };
  for (size_t k = 0; k < steps; ++k) {
    Executor::StepIO& io = ex_.steps_[k].io;
    for (int v : pending_[k].in) io.in.push_back(ex_.arena_ptr(offset(v)));
    for (int v : pending_[k].out) io.out.push_back(ex_.arena_ptr(offset(v)));
    io.workspace = ex_.arena_ptr(ex_.arena_size_);
    io.workspace_bytes = pending_[k].workspace;
  }
  for (int t : g_.inputs) {
    const int v = tensor_value_[static_cast<size_t>(t)];
    if (!value(v).constant) ex_.input_offsets_.push_back(offset(v));
  }
  for (int v : outs) ex_.output_offsets_.push_back(offset(v));
  return Status::ok();
}

size_t Executor::input_bytes(size_t i) const {
  size_t n = dtype_size(inputs_[i].dtype);
  for (size_t d : inputs_[i].shape) n *= d;
  return n;
}

size_t Executor::output_bytes(size_t i) const {
  size_t n = dtype_size(outputs_[i].dtype);
  for (size_t d : outputs_[i].shape) n *= d;
  return n;
}

Status Executor::create(std::shared_ptr<const Graph> g, const std::vector<Shape>& input_shapes,
                        std::unique_ptr<Executor>* out, const ExecLimits& limits,
                        const std::vector<const TensorDesc*>& frozen,
                        std::vector<Observer>* observers, TensorCaptures* captures) {
  std::unique_ptr<Executor> ex(new Executor());
  if (observers) observers->resize(g->tensors.size());
  ex->graph_ = g;  // steps may read its constants
  Lowerer L(*g, ex.get(), limits, observers, captures);
  // Frozen tensors are copied: steps may keep pointers to them.
  std::vector<const TensorDesc*> kept;
  for (const TensorDesc* f : frozen) {
    if (f) ex->folded_.push_back(*f);
    kept.push_back(f ? &ex->folded_.back() : nullptr);
  }
  WI8_RETURN_IF_ERROR(L.run(input_shapes, kept));
  *out = std::move(ex);
  return Status::ok();
}

Status Executor::run() {
  const ParallelRegion region;
  for (size_t k = 0; k < steps_.size(); ++k) {
    const Status s = steps_[k].fn(steps_[k].io);
    if (!s.is_ok()) return Status::error(step_info_[k].where + ": " + s.message());
  }
  return Status::ok();
}

Status Executor::run_profiled(std::vector<double>* times) {
  const ParallelRegion region;
  times->resize(steps_.size(), 0.0);
  for (size_t k = 0; k < steps_.size(); ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    const Status s = steps_[k].fn(steps_[k].io);
    (*times)[k] +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!s.is_ok()) return Status::error(step_info_[k].where + ": " + s.message());
  }
  return Status::ok();
}

}  // namespace wi8
