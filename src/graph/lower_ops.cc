// The op lowerings (see lower.h for how to add one). fp32 ops; each validates the node's
// attributes and input shapes, picks the layout it runs in, prepares its op from src/ops and adds
// its step(s).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "graph/fold.h"
#include "graph/lower.h"
#include "graph/lower_util.h"
#include "graph/simplify.h"
#include "ops/concat.h"
#include "ops/conv2d_f32.h"
#include "ops/elementwise.h"
#include "ops/fully_connected_f32.h"
#include "ops/pad.h"
#include "ops/pool.h"
#include "ops/resize.h"
#include "ops/softmax.h"
#include "ops/transpose.h"
#include "ops/unary.h"

namespace wi8 {

const float* f32_in(const Executor::StepIO& io, size_t k) {
  return reinterpret_cast<const float*>(io.in[k]);
}
float* f32_out(const Executor::StepIO& io, size_t k) { return reinterpret_cast<float*>(io.out[k]); }

Status fail(const GraphNode& n, const std::string& what) { return node_error(n, what); }

int64_t attr_int(const GraphNode& n, const char* name, int64_t def) {
  const Attr* a = n.attr(name);
  return a && a->kind == AttrKind::kInt ? a->i : def;
}
float attr_float(const GraphNode& n, const char* name, float def) {
  const Attr* a = n.attr(name);
  return a && a->kind == AttrKind::kFloat ? a->f : def;
}
std::string attr_string(const GraphNode& n, const char* name, const std::string& def) {
  const Attr* a = n.attr(name);
  return a && a->kind == AttrKind::kString ? a->s : def;
}
// An INTS attribute; `count` values of `def` when absent. Fails on a wrong length or type.
Status attr_ints(const GraphNode& n, const char* name, size_t count, int64_t def,
                 std::vector<int64_t>* out) {
  const Attr* a = n.attr(name);
  if (!a) {
    out->assign(count, def);
    return Status::ok();
  }
  if (a->kind != AttrKind::kInts)
    return fail(n, std::string("attribute '") + name + "' must be INTS");
  if (a->ints.size() != count) {
    return fail(n, std::string("attribute '") + name + "' needs " + std::to_string(count) +
                       " values, has " + std::to_string(a->ints.size()));
  }
  *out = a->ints;
  return Status::ok();
}

Activation fused_activation(const GraphNode& n) {
  Activation act;
  if (const Attr* a = n.attr(kFusedMin)) act.min = a->f;
  if (const Attr* a = n.attr(kFusedMax)) act.max = a->f;
  return act;
}

Status require_float(Lowerer& L, const GraphNode& n, int v, const char* what) {
  if (v < 0) return fail(n, std::string(what) + " is missing");
  if (L.value(v).dtype != DType::kFloat32) {
    return fail(
        n, std::string(what) + " is " + dtype_name(L.value(v).dtype) + "; this op runs on float32");
  }
  return Status::ok();
}

std::vector<float> floats_of(const TensorDesc& t) { return constant_floats(t); }

// --- 2-D sliding windows (Conv, pools) --------------------------------------------------------

// kernel_shape (given or from the weights), strides, dilations, pads / auto_pad.
Status window_attrs(const GraphNode& n, size_t in_h, size_t in_w, const int64_t* kernel,
                    Window* w) {
  std::vector<int64_t> k, s, d, p;
  if (kernel) {
    WI8_RETURN_IF_ERROR(attr_ints(n, "kernel_shape", 2, 0, &k));
    if (n.attr("kernel_shape") && (k[0] != kernel[0] || k[1] != kernel[1])) {
      return fail(n, "kernel_shape does not match the weights");
    }
    k = {kernel[0], kernel[1]};
  } else {
    if (!n.attr("kernel_shape")) return fail(n, "attribute 'kernel_shape' is required");
    WI8_RETURN_IF_ERROR(attr_ints(n, "kernel_shape", 2, 0, &k));
  }
  WI8_RETURN_IF_ERROR(attr_ints(n, "strides", 2, 1, &s));
  WI8_RETURN_IF_ERROR(attr_ints(n, "dilations", 2, 1, &d));
  WI8_RETURN_IF_ERROR(attr_ints(n, "pads", 4, 0, &p));
  for (int64_t v : k) {
    if (v < 1) return fail(n, "kernel_shape values must be >= 1");
  }
  for (int64_t v : s) {
    if (v < 1) return fail(n, "strides must be >= 1");
  }
  for (int64_t v : d) {
    if (v < 1) return fail(n, "dilations must be >= 1");
  }
  for (int64_t v : p) {
    if (v < 0) return fail(n, "pads must be >= 0");
  }
  const int64_t big = int64_t{1} << 24;
  for (const auto* vec : {&k, &s, &d, &p}) {
    for (int64_t v : *vec) {
      if (v > big) return fail(n, "a window attribute exceeds " + std::to_string(big));
    }
  }
  w->kh = static_cast<size_t>(k[0]);
  w->kw = static_cast<size_t>(k[1]);
  w->sh = static_cast<size_t>(s[0]);
  w->sw = static_cast<size_t>(s[1]);
  w->dh = static_cast<size_t>(d[0]);
  w->dw = static_cast<size_t>(d[1]);
  const std::string pad = attr_string(n, "auto_pad", "NOTSET");
  if (pad == "NOTSET") {
    w->top = static_cast<size_t>(p[0]);
    w->left = static_cast<size_t>(p[1]);
    w->bottom = static_cast<size_t>(p[2]);
    w->right = static_cast<size_t>(p[3]);
  } else if (pad == "SAME_UPPER" || pad == "SAME_LOWER") {
    const bool upper = pad == "SAME_UPPER";
    same_padding(in_h, w->kh, w->sh, w->dh, upper, &w->top, &w->bottom);
    same_padding(in_w, w->kw, w->sw, w->dw, upper, &w->left, &w->right);
  } else if (pad != "VALID") {
    return fail(n, "auto_pad '" + pad + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
  }
  return Status::ok();
}

std::vector<int64_t> dims4(size_t a, size_t b, size_t c, size_t d) {
  return {static_cast<int64_t>(a), static_cast<int64_t>(b), static_cast<int64_t>(c),
          static_cast<int64_t>(d)};
}

Status conv_geometry(Lowerer& L, const GraphNode& n, int x, const std::vector<int64_t>& w_dims,
                     Conv2DGeometry* g) {
  const std::vector<int64_t>& xd = L.value(x).dims;
  if (xd.size() != 4 || w_dims.size() != 4) {
    return fail(n, "only 2-D convolution is supported (X and W of rank 4); X has rank " +
                       std::to_string(xd.size()) + ", W rank " + std::to_string(w_dims.size()));
  }
  const int64_t groups = attr_int(n, "group", 1);
  if (groups < 1) return fail(n, "group must be >= 1");
  if (xd[1] != w_dims[1] * groups) {
    return fail(n, "X has " + std::to_string(xd[1]) + " channels but W expects " +
                       std::to_string(w_dims[1]) + " x group " + std::to_string(groups));
  }
  g->batch = static_cast<size_t>(xd[0]);
  g->in_c = static_cast<size_t>(xd[1]);
  g->in_h = static_cast<size_t>(xd[2]);
  g->in_w = static_cast<size_t>(xd[3]);
  g->out_c = static_cast<size_t>(w_dims[0]);
  g->groups = static_cast<size_t>(groups);
  Window win;
  WI8_RETURN_IF_ERROR(window_attrs(n, g->in_h, g->in_w, &w_dims[2], &win));
  g->kernel_h = win.kh;
  g->kernel_w = win.kw;
  g->stride_h = win.sh;
  g->stride_w = win.sw;
  g->dilation_h = win.dh;
  g->dilation_w = win.dw;
  g->pad_top = win.top;
  g->pad_left = win.left;
  g->pad_bottom = win.bottom;
  g->pad_right = win.right;
  return Status::ok();
}

std::vector<int64_t> broadcast_dims(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank, 1);
  for (size_t k = 0; k < rank; ++k) {
    const int64_t x = k + a.size() >= rank ? a[k + a.size() - rank] : 1;
    const int64_t z = k + b.size() >= rank ? b[k + b.size() - rank] : 1;
    out[k] = x == 1 ? z : x;
  }
  return out;
}

Status pool_window(Lowerer& L, const GraphNode& n, int x, Pool2DGeometry* g) {
  const std::vector<int64_t>& xd = L.value(x).dims;
  if (xd.size() != 4) {
    return fail(
        n, "only 2-D pooling is supported (X of rank 4); X has rank " + std::to_string(xd.size()));
  }
  g->batch = static_cast<size_t>(xd[0]);
  g->channels = static_cast<size_t>(xd[1]);
  g->in_h = static_cast<size_t>(xd[2]);
  g->in_w = static_cast<size_t>(xd[3]);
  Window w;
  WI8_RETURN_IF_ERROR(window_attrs(n, g->in_h, g->in_w, nullptr, &w));
  g->kernel_h = w.kh;
  g->kernel_w = w.kw;
  g->stride_h = w.sh;
  g->stride_w = w.sw;
  g->dilation_h = w.dh;
  g->dilation_w = w.dw;
  g->pad_top = w.top;
  g->pad_left = w.left;
  g->pad_bottom = w.bottom;
  g->pad_right = w.right;
  g->ceil_mode = attr_int(n, "ceil_mode", 0) != 0;
  return Status::ok();
}

Status plan_concat(Lowerer& L, const GraphNode& n, int64_t axis_attr,
                   const std::vector<QuantParams>& input_params, const QuantParams& output,
                   std::vector<int>* ins, ConcatPlan* out) {
  bool any_nhwc = false, all_rank4 = true;
  for (int v : *ins) {
    any_nhwc = any_nhwc || L.value(v).nhwc;
    all_rank4 = all_rank4 && L.value(v).dims.size() == 4;
  }
  size_t axis;
  WI8_RETURN_IF_ERROR(normalize_axis(n, axis_attr, L.value((*ins)[0]).dims.size(), &axis));
  out->nhwc = any_nhwc && all_rank4;
  std::vector<Shape> shapes;
  for (int& v : *ins) {
    WI8_RETURN_IF_ERROR(out->nhwc ? L.nhwc(n, v, &v) : L.canonical(n, v, &v));
    shapes.push_back(L.physical(v));
  }
  const size_t phys_axis = out->nhwc ? std::vector<size_t>{0, 3, 1, 2}[axis] : axis;
  std::unique_ptr<Concat> made;
  WI8_RETURN_IF_ERROR(
      Lowerer::at(n, Concat::create(shapes, phys_axis, input_params, output, &made)));
  out->op = std::move(made);
  out->dims = L.value((*ins)[0]).dims;
  out->dims[axis] = 0;
  for (int v : *ins) {
    out->dims[axis] += L.value(v).dims[axis];
    out->lens.push_back(L.elements(v));
  }
  return Status::ok();
}

namespace {

using StepIO = Executor::StepIO;

// --- Conv --------------------------------------------------------------------------------------

Status lower_conv(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0), w = L.input(n, 1), b = L.input(n, 2);
  WI8_RETURN_IF_ERROR(require_float(L, n, x, "input X"));
  WI8_RETURN_IF_ERROR(require_float(L, n, w, "input W"));
  const TensorDesc* wt = L.constant(w);
  if (!wt) return fail(n, "W must be a constant (an initializer), not computed at run time");
  Conv2DF32Params p;
  Conv2DGeometry& g = p.geometry;
  WI8_RETURN_IF_ERROR(conv_geometry(L, n, x, wt->dims, &g));
  p.activation = fused_activation(n);
  // OIHW -> OHWI.
  const std::vector<float> wv = floats_of(*wt);
  const size_t oc = g.out_c, ic = g.in_c / g.groups, kh = g.kernel_h, kw = g.kernel_w;
  const std::vector<float> ohwi = oihw_to_ohwi(wv, oc, ic, kh, kw);
  std::vector<float> bias;
  if (b >= 0) {
    const TensorDesc* bt = L.constant(b);
    if (!bt || bt->dtype != DType::kFloat32) return fail(n, "B must be a float32 constant");
    bias = floats_of(*bt);
    if (bias.size() != oc) {
      return fail(n, "B has " + std::to_string(bias.size()) + " values, the output has " +
                         std::to_string(oc) + " channels");
    }
  }
  std::unique_ptr<Conv2DF32> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(
      n, Conv2DF32::create(p, ohwi.data(), bias.empty() ? nullptr : bias.data(), &made)));
  std::shared_ptr<Conv2DF32> op(std::move(made));
  int xin, y;
  WI8_RETURN_IF_ERROR(L.nhwc(n, x, &xin));
  const Conv2DGeometry& G = op->geometry();
  WI8_RETURN_IF_ERROR(
      L.new_value(n, DType::kFloat32, dims4(G.batch, G.out_c, G.out_h, G.out_w), true, &y));
  const size_t in_n = op->input_size(), out_n = op->output_size(), ws = op->workspace_size();
  const char* kind = op->is_depthwise() ? "Conv f32 depthwise"
                     : G.is_pointwise() ? "Conv f32 1x1"
                                        : "Conv f32 im2col";
  L.bind(n, 0, y);
  return L.add_step(kind, n, {xin}, {y}, ws * sizeof(float), [op, in_n, out_n](const StepIO& io) {
    return op->run(f32_in(io, 0), in_n, f32_out(io, 0), out_n,
                   reinterpret_cast<float*>(io.workspace), io.workspace_bytes / sizeof(float));
  });
}

// --- pools -------------------------------------------------------------------------------------

Status pool_geometry(Lowerer& L, const GraphNode& n, int x, Pool2DGeometry* g) {
  WI8_RETURN_IF_ERROR(require_float(L, n, x, "input X"));
  return pool_window(L, n, x, g);
}

template <class Op>
Status pool_step(Lowerer& L, const GraphNode& n, int x, std::shared_ptr<Op> op, const char* kind) {
  int xin, y;
  WI8_RETURN_IF_ERROR(L.nhwc(n, x, &xin));
  const Pool2DGeometry& G = op->geometry();
  WI8_RETURN_IF_ERROR(
      L.new_value(n, DType::kFloat32, dims4(G.batch, G.channels, G.out_h, G.out_w), true, &y));
  const size_t in_n = op->input_size(), out_n = op->output_size();
  L.bind(n, 0, y);
  return L.add_step(kind, n, {xin}, {y}, 0, [op, in_n, out_n](const StepIO& io) {
    return op->run(f32_in(io, 0), in_n, f32_out(io, 0), out_n);
  });
}

Status lower_max_pool(Lowerer& L, const GraphNode& n) {
  if (n.outputs.size() > 1 && n.outputs[1] >= 0) {
    return fail(n, "the Indices output of MaxPool is not supported");
  }
  if (attr_int(n, "storage_order", 0) != 0) return fail(n, "storage_order 1 is not supported");
  const int x = L.input(n, 0);
  if (x >= 0 && (L.value(x).dtype == DType::kInt8 || L.value(x).dtype == DType::kUint8)) {
    return lower_max_pool_s8(L, n, x);
  }
  Pool2DGeometry g;
  WI8_RETURN_IF_ERROR(pool_geometry(L, n, x, &g));
  std::unique_ptr<MaxPool2DF32> op;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, MaxPool2DF32::create(g, &op)));
  return pool_step(L, n, x, std::shared_ptr<MaxPool2DF32>(std::move(op)), "MaxPool f32");
}

Status lower_average_pool(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  AveragePool2DParams p;
  WI8_RETURN_IF_ERROR(pool_geometry(L, n, x, &p.geometry));
  p.count_include_pad = attr_int(n, "count_include_pad", 0) != 0;
  std::unique_ptr<AveragePool2DF32> op;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, AveragePool2DF32::create(p, &op)));
  return pool_step(L, n, x, std::shared_ptr<AveragePool2DF32>(std::move(op)), "AveragePool f32");
}

Status global_average_pool(Lowerer& L, const GraphNode& n, int x) {
  WI8_RETURN_IF_ERROR(require_float(L, n, x, "input X"));
  const std::vector<int64_t> xd = L.value(x).dims;
  if (xd.size() != 4) return fail(n, "X must have rank 4, has " + std::to_string(xd.size()));
  GlobalAveragePoolParams p;
  p.batch = static_cast<size_t>(xd[0]);
  p.channels = static_cast<size_t>(xd[1]);
  p.height = static_cast<size_t>(xd[2]);
  p.width = static_cast<size_t>(xd[3]);
  std::unique_ptr<GlobalAveragePoolF32> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, GlobalAveragePoolF32::create(p, &made)));
  std::shared_ptr<GlobalAveragePoolF32> op(std::move(made));
  int xin, y;
  WI8_RETURN_IF_ERROR(L.nhwc(n, x, &xin));
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, dims4(p.batch, p.channels, 1, 1), true, &y));
  const size_t in_n = op->input_size(), out_n = op->output_size();
  L.bind(n, 0, y);
  return L.add_step("GlobalAveragePool f32", n, {xin}, {y}, 0, [op, in_n, out_n](const StepIO& io) {
    return op->run(f32_in(io, 0), in_n, f32_out(io, 0), out_n);
  });
}

Status lower_global_average_pool(Lowerer& L, const GraphNode& n) {
  return global_average_pool(L, n, L.input(n, 0));
}

// ReduceMean over H and W of a 4-D tensor with keepdims (what exporters emit for a global pool).
Status lower_reduce_mean(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  if (x < 0) return fail(n, "input is missing");
  std::vector<int64_t> axes;
  if (const Attr* a = n.attr("axes")) axes = a->ints;
  if (const TensorDesc* t = L.constant(L.input(n, 1))) axes = constant_ints(*t);
  const size_t rank = L.value(x).dims.size();
  for (int64_t& a : axes) {
    if (a < 0) a += static_cast<int64_t>(rank);
  }
  std::sort(axes.begin(), axes.end());
  if (rank != 4 || axes != std::vector<int64_t>{2, 3} || attr_int(n, "keepdims", 1) != 1) {
    return fail(n, "ReduceMean is supported over axes [2, 3] of a 4-D tensor with keepdims=1");
  }
  return global_average_pool(L, n, x);
}

// --- Gemm / MatMul -----------------------------------------------------------------------------

// y[rows x out] = clamp(x[rows x in] * w^T + bias); w given as [out x in].
Status fully_connected(Lowerer& L, const GraphNode& n, int x, size_t rows, size_t in, size_t out,
                       const std::vector<float>& w, const std::vector<float>& bias,
                       std::vector<int64_t> out_dims, int* y) {
  FullyConnectedF32Params p;
  p.in_features = in;
  p.out_features = out;
  p.activation = fused_activation(n);
  std::unique_ptr<FullyConnectedF32> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(
      n, FullyConnectedF32::create(p, w.data(), bias.empty() ? nullptr : bias.data(), &made)));
  std::shared_ptr<FullyConnectedF32> op(std::move(made));
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, std::move(out_dims), false, y));
  const size_t in_n = rows * in, out_n = rows * out;
  return L.add_step("FullyConnected f32", n, {x}, {*y}, 0,
                    [op, rows, in_n, out_n](const StepIO& io) {
                      return op->run(f32_in(io, 0), in_n, rows, f32_out(io, 0), out_n);
                    });
}

// Batched matmul of two runtime tensors (numpy broadcasting of the batch dims), scalar loops:
// the float reference for models whose B is computed.
Status matmul_runtime(Lowerer& L, const GraphNode& n, int a, int b) {
  std::vector<int64_t> ad = L.value(a).dims, bd = L.value(b).dims;
  if (ad.empty() || bd.empty()) return fail(n, "MatMul inputs must have rank >= 1");
  const bool a_vec = ad.size() == 1, b_vec = bd.size() == 1;
  if (a_vec) ad.insert(ad.begin(), 1);
  if (b_vec) bd.push_back(1);
  const size_t M = static_cast<size_t>(ad[ad.size() - 2]), K = static_cast<size_t>(ad.back());
  const size_t N = static_cast<size_t>(bd.back());
  if (static_cast<size_t>(bd[bd.size() - 2]) != K) {
    return fail(n, "MatMul: A has K = " + std::to_string(K) + ", B has " +
                       std::to_string(bd[bd.size() - 2]) + " rows");
  }
  const size_t rank = std::max(ad.size(), bd.size()) - 2;
  std::vector<int64_t> ab(rank, 1), bb(rank, 1), ob(rank);
  std::copy(ad.begin(), ad.end() - 2, ab.begin() + static_cast<long>(rank - (ad.size() - 2)));
  std::copy(bd.begin(), bd.end() - 2, bb.begin() + static_cast<long>(rank - (bd.size() - 2)));
  for (size_t k = 0; k < rank; ++k) {
    if (ab[k] != bb[k] && ab[k] != 1 && bb[k] != 1)
      return fail(n, "MatMul batch dims do not broadcast");
    ob[k] = ab[k] == 1 ? bb[k] : ab[k];  // numpy: 1 broadcasts to the other, 0 included
  }
  std::vector<int64_t> od = ob;
  if (!a_vec) od.push_back(static_cast<int64_t>(M));
  if (!b_vec) od.push_back(static_cast<int64_t>(N));
  size_t batches = 1;
  for (int64_t d : ob) batches *= static_cast<size_t>(d);
  // Offsets of each output batch's A and B matrices.
  std::vector<size_t> a_off(batches), b_off(batches);
  for (size_t i = 0; i < batches; ++i) {
    size_t rem = i, ao = 0, bo = 0, sa = 1, sb = 1;
    for (size_t k = rank; k-- > 0;) {
      const size_t c = rem % static_cast<size_t>(ob[k]);
      rem /= static_cast<size_t>(ob[k]);
      if (ab[k] != 1) ao += c * sa;
      if (bb[k] != 1) bo += c * sb;
      sa *= static_cast<size_t>(ab[k]);
      sb *= static_cast<size_t>(bb[k]);
    }
    a_off[i] = ao * M * K;
    b_off[i] = bo * K * N;
  }
  int ai, bi, y;
  WI8_RETURN_IF_ERROR(L.canonical(n, a, &ai));
  WI8_RETURN_IF_ERROR(L.canonical(n, b, &bi));
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, od, false, &y));
  const Activation act = fused_activation(n);
  L.bind(n, 0, y);
  return L.add_step("MatMul f32", n, {ai, bi}, {y}, 0,
                    [a_off, b_off, M, K, N, act](const StepIO& io) {
                      const float* A = f32_in(io, 0);
                      const float* B = f32_in(io, 1);
                      float* Y = f32_out(io, 0);
                      for (size_t i = 0; i < a_off.size(); ++i) {
                        for (size_t m = 0; m < M; ++m) {
                          float* row = Y + (i * M + m) * N;
                          std::fill(row, row + N, 0.0f);
                          for (size_t k = 0; k < K; ++k) {
                            const float av = A[a_off[i] + m * K + k];
                            const float* brow = B + b_off[i] + k * N;
                            for (size_t j = 0; j < N; ++j) row[j] += av * brow[j];
                          }
                          for (size_t j = 0; j < N; ++j) {
                            row[j] = std::min(std::max(row[j], act.min), act.max);
                          }
                        }
                      }
                      return Status::ok();
                    });
}

Status lower_matmul(Lowerer& L, const GraphNode& n) {
  const int a = L.input(n, 0), b = L.input(n, 1);
  WI8_RETURN_IF_ERROR(require_float(L, n, a, "input A"));
  WI8_RETURN_IF_ERROR(require_float(L, n, b, "input B"));
  const TensorDesc* bt = L.constant(b);
  const std::vector<int64_t> ad = L.value(a).dims;
  if (!bt || bt->dims.size() != 2 || ad.size() < 2) return matmul_runtime(L, n, a, b);
  const size_t K = static_cast<size_t>(bt->dims[0]), N = static_cast<size_t>(bt->dims[1]);
  if (static_cast<size_t>(ad.back()) != K) {
    return fail(n, "A's last dimension is " + std::to_string(ad.back()) + ", B has " +
                       std::to_string(K) + " rows");
  }
  const std::vector<float> bv = floats_of(*bt);
  std::vector<float> w(K * N);
  for (size_t k = 0; k < K; ++k) {
    for (size_t j = 0; j < N; ++j) w[j * K + k] = bv[k * N + j];
  }
  size_t rows = 1;
  for (size_t k = 0; k + 1 < ad.size(); ++k) rows *= static_cast<size_t>(ad[k]);
  std::vector<int64_t> od = ad;
  od.back() = static_cast<int64_t>(N);
  int x, y;
  WI8_RETURN_IF_ERROR(L.canonical(n, a, &x));
  WI8_RETURN_IF_ERROR(fully_connected(L, n, x, rows, K, N, w, {}, od, &y));
  L.bind(n, 0, y);
  return Status::ok();
}

Status binary_with_constant(Lowerer& L, const GraphNode& n, BinaryOpKind kind, int x,
                            const std::vector<float>& c, const Shape& c_shape, int* y);

Status lower_gemm(Lowerer& L, const GraphNode& n) {
  const int a = L.input(n, 0), b = L.input(n, 1), c = L.input(n, 2);
  WI8_RETURN_IF_ERROR(require_float(L, n, a, "input A"));
  WI8_RETURN_IF_ERROR(require_float(L, n, b, "input B"));
  const TensorDesc* bt = L.constant(b);
  if (!bt) return fail(n, "B must be a constant (an initializer)");
  const std::vector<int64_t> ad = L.value(a).dims;
  if (ad.size() != 2 || bt->dims.size() != 2) return fail(n, "A and B must be 2-D");
  const bool ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
  const float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
  const size_t M = static_cast<size_t>(ta ? ad[1] : ad[0]),
               K = static_cast<size_t>(ta ? ad[0] : ad[1]);
  const size_t bk = static_cast<size_t>(tb ? bt->dims[1] : bt->dims[0]);
  const size_t N = static_cast<size_t>(tb ? bt->dims[0] : bt->dims[1]);
  if (bk != K) return fail(n, "A has K = " + std::to_string(K) + ", B has " + std::to_string(bk));
  const std::vector<float> bv = floats_of(*bt);
  std::vector<float> w(N * K);
  for (size_t j = 0; j < N; ++j) {
    for (size_t k = 0; k < K; ++k) w[j * K + k] = alpha * (tb ? bv[j * K + k] : bv[k * N + j]);
  }
  // C: a per-column vector becomes the bias; any other broadcastable C is added after.
  std::vector<float> bias;
  std::vector<float> c_full;
  Shape c_shape;
  if (c >= 0) {
    const TensorDesc* ct = L.constant(c);
    if (!ct || ct->dtype != DType::kFloat32) return fail(n, "C must be a float32 constant");
    std::vector<float> cv = floats_of(*ct);
    for (float& v : cv) v *= beta;
    size_t elems = 1;
    for (int64_t d : ct->dims) elems *= static_cast<size_t>(d);
    const bool per_column =
        (ct->dims.size() == 1 && (static_cast<size_t>(ct->dims[0]) == N || ct->dims[0] == 1)) ||
        (ct->dims.size() == 2 && ct->dims[0] == 1 &&
         (static_cast<size_t>(ct->dims[1]) == N || ct->dims[1] == 1)) ||
        ct->dims.empty();
    if (per_column) {
      bias.assign(N, 0.0f);
      for (size_t j = 0; j < N; ++j) bias[j] = elems == 1 ? cv[0] : cv[j];
    } else {
      c_full = cv;
      c_shape.assign(ct->dims.begin(), ct->dims.end());
    }
  }
  int x;
  WI8_RETURN_IF_ERROR(L.canonical(n, a, &x));
  if (ta) {
    // A^T as a transpose step into a [M x K] value.
    GraphNode t = n;
    std::unique_ptr<Transpose> tr;
    WI8_RETURN_IF_ERROR(Lowerer::at(n, Transpose::create(L.physical(x), {1, 0}, &tr)));
    std::shared_ptr<Transpose> op(std::move(tr));
    int xt;
    WI8_RETURN_IF_ERROR(L.new_value(
        n, DType::kFloat32, {static_cast<int64_t>(M), static_cast<int64_t>(K)}, false, &xt));
    const size_t count = M * K;
    WI8_RETURN_IF_ERROR(L.add_step("Transpose", n, {x}, {xt}, 0, [op, count](const StepIO& io) {
      return op->run(f32_in(io, 0), count, f32_out(io, 0), count);
    }));
    x = xt;
  }
  int y;
  const std::vector<int64_t> od = {static_cast<int64_t>(M), static_cast<int64_t>(N)};
  if (c_full.empty()) {
    WI8_RETURN_IF_ERROR(fully_connected(L, n, x, M, K, N, w, bias, od, &y));
  } else {
    GraphNode plain = n;  // the activation goes after the Add
    plain.attrs.erase(
        std::remove_if(plain.attrs.begin(), plain.attrs.end(),
                       [](const Attr& at) { return at.name == kFusedMin || at.name == kFusedMax; }),
        plain.attrs.end());
    int t;
    WI8_RETURN_IF_ERROR(fully_connected(L, plain, x, M, K, N, w, {}, od, &t));
    WI8_RETURN_IF_ERROR(binary_with_constant(L, n, BinaryOpKind::kAdd, t, c_full, c_shape, &y));
  }
  L.bind(n, 0, y);
  return Status::ok();
}

// --- elementwise -------------------------------------------------------------------------------

// Permutes a constant of rank <= 4 (right-aligned against a 4-D NCHW value) to NHWC order.
void constant_to_nhwc(const std::vector<float>& v, const Shape& s, std::vector<float>* out,
                      Shape* out_shape) {
  Shape e(4, 1);
  for (size_t k = 0; k < s.size(); ++k) e[4 - s.size() + k] = s[k];
  *out_shape = {e[0], e[2], e[3], e[1]};
  out->resize(v.size());
  size_t i = 0;
  for (size_t a = 0; a < e[0]; ++a) {
    for (size_t h = 0; h < e[2]; ++h) {
      for (size_t w = 0; w < e[3]; ++w) {
        for (size_t c = 0; c < e[1]; ++c) {
          (*out)[i++] = v[((a * e[1] + c) * e[2] + h) * e[3] + w];
        }
      }
    }
  }
}

Status binary_with_constant(Lowerer& L, const GraphNode& n, BinaryOpKind kind, int x,
                            const std::vector<float>& c, const Shape& c_shape, int* y) {
  // Runs in x's layout when the constant can follow it.
  const Value& xv = L.value(x);
  int xin = x;
  std::vector<float> cv = c;
  Shape cs = c_shape;
  if (xv.nhwc && c_shape.size() <= 4) {
    constant_to_nhwc(c, c_shape, &cv, &cs);
  } else {
    WI8_RETURN_IF_ERROR(L.canonical(n, x, &xin));
  }
  const bool nhwc = L.value(xin).nhwc;
  std::unique_ptr<BinaryF32> made;
  WI8_RETURN_IF_ERROR(
      Lowerer::at(n, BinaryF32::create(kind, L.physical(xin), cs, fused_activation(n), &made)));
  std::shared_ptr<BinaryF32> op(std::move(made));
  // The output's logical dims: the broadcast of the logical shapes.
  const std::vector<int64_t> od =
      broadcast_dims(L.value(xin).dims, std::vector<int64_t>(c_shape.begin(), c_shape.end()));
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, od, nhwc, y));
  const size_t xn = L.elements(xin), yn = op->output_size();
  auto data = std::make_shared<std::vector<float>>(std::move(cv));
  const char* names[] = {"Add f32", "Mul f32", "Sub f32", "Div f32"};
  return L.add_step(
      names[static_cast<int>(kind)], n, {xin}, {*y}, 0, [op, data, xn, yn](const StepIO& io) {
        return op->run(f32_in(io, 0), xn, data->data(), data->size(), f32_out(io, 0), yn);
      });
}

Status lower_binary(Lowerer& L, const GraphNode& n, BinaryOpKind kind) {
  int a = L.input(n, 0), b = L.input(n, 1);
  WI8_RETURN_IF_ERROR(require_float(L, n, a, "input A"));
  WI8_RETURN_IF_ERROR(require_float(L, n, b, "input B"));
  if (L.constant(a) || L.constant(b)) {
    // x op c, or c op x: Sub and Div are not commutative, so the constant must be B for them.
    const bool const_first = L.constant(a) != nullptr;
    if (!const_first || kind == BinaryOpKind::kAdd || kind == BinaryOpKind::kMul) {
      const int x = const_first ? b : a;
      const TensorDesc* ct = L.constant(const_first ? a : b);
      int y;
      WI8_RETURN_IF_ERROR(binary_with_constant(L, n, kind, x, floats_of(*ct),
                                               Shape(ct->dims.begin(), ct->dims.end()), &y));
      L.bind(n, 0, y);
      return Status::ok();
    }
  }
  // Two runtime operands: NHWC when one of them is a 4-D NHWC value and the other can follow.
  const std::vector<int64_t> ad = L.value(a).dims, bd = L.value(b).dims;
  const bool want_nhwc = (L.value(a).nhwc || L.value(b).nhwc) && ad.size() == 4 && bd.size() == 4;
  if (want_nhwc) {
    WI8_RETURN_IF_ERROR(L.nhwc(n, a, &a));
    WI8_RETURN_IF_ERROR(L.nhwc(n, b, &b));
  } else {
    WI8_RETURN_IF_ERROR(L.canonical(n, a, &a));
    WI8_RETURN_IF_ERROR(L.canonical(n, b, &b));
  }
  std::unique_ptr<BinaryF32> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(
      n, BinaryF32::create(kind, L.physical(a), L.physical(b), fused_activation(n), &made)));
  std::shared_ptr<BinaryF32> op(std::move(made));
  const std::vector<int64_t> od = broadcast_dims(ad, bd);
  int y;
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, od, want_nhwc, &y));
  const size_t an = L.elements(a), bn = L.elements(b), yn = op->output_size();
  const char* names[] = {"Add f32", "Mul f32", "Sub f32", "Div f32"};
  L.bind(n, 0, y);
  return L.add_step(names[static_cast<int>(kind)], n, {a, b}, {y}, 0,
                    [op, an, bn, yn](const StepIO& io) {
                      return op->run(f32_in(io, 0), an, f32_in(io, 1), bn, f32_out(io, 0), yn);
                    });
}

Status lower_add(Lowerer& L, const GraphNode& n) { return lower_binary(L, n, BinaryOpKind::kAdd); }
Status lower_mul(Lowerer& L, const GraphNode& n) { return lower_binary(L, n, BinaryOpKind::kMul); }
Status lower_sub(Lowerer& L, const GraphNode& n) { return lower_binary(L, n, BinaryOpKind::kSub); }
Status lower_div(Lowerer& L, const GraphNode& n) { return lower_binary(L, n, BinaryOpKind::kDiv); }

Status lower_unary(Lowerer& L, const GraphNode& n, const UnaryParams& p) {
  const int x = L.input(n, 0);
  WI8_RETURN_IF_ERROR(require_float(L, n, x, "input"));
  std::unique_ptr<UnaryF32> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, UnaryF32::create(p, &made)));
  std::shared_ptr<UnaryF32> op(std::move(made));
  int xin, y;
  WI8_RETURN_IF_ERROR(L.runtime(n, x, &xin));
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, L.value(xin).dims, L.value(xin).nhwc, &y));
  const size_t count = L.elements(xin);
  L.bind(n, 0, y);
  return L.add_step(n.op + " f32", n, {xin}, {y}, 0, [op, count](const StepIO& io) {
    return op->run(f32_in(io, 0), count, f32_out(io, 0), count);
  });
}

Status lower_relu(Lowerer& L, const GraphNode& n) { return lower_unary(L, n, {UnaryKind::kRelu}); }
Status lower_sigmoid(Lowerer& L, const GraphNode& n) {
  return lower_unary(L, n, {UnaryKind::kSigmoid});
}
Status lower_tanh(Lowerer& L, const GraphNode& n) { return lower_unary(L, n, {UnaryKind::kTanh}); }
Status lower_hard_swish(Lowerer& L, const GraphNode& n) {
  return lower_unary(L, n, {UnaryKind::kHardSwish});
}
Status lower_leaky_relu(Lowerer& L, const GraphNode& n) {
  return lower_unary(L, n, {UnaryKind::kLeakyRelu, attr_float(n, "alpha", 0.01f)});
}
Status lower_elu(Lowerer& L, const GraphNode& n) {
  return lower_unary(L, n, {UnaryKind::kElu, attr_float(n, "alpha", 1.0f)});
}
Status lower_hard_sigmoid(Lowerer& L, const GraphNode& n) {
  return lower_unary(
      L, n, {UnaryKind::kHardSigmoid, attr_float(n, "alpha", 0.2f), attr_float(n, "beta", 0.5f)});
}
Status lower_clip(Lowerer& L, const GraphNode& n) {
  UnaryParams p{UnaryKind::kClip, -std::numeric_limits<float>::infinity(),
                std::numeric_limits<float>::infinity()};
  p.alpha = attr_float(n, "min", p.alpha);
  p.beta = attr_float(n, "max", p.beta);
  for (size_t k = 1; k < 3; ++k) {
    const int v = L.input(n, k);
    if (v < 0) continue;
    const TensorDesc* t = L.constant(v);
    if (!t || element_count(*t) != 1) return fail(n, "min and max must be constant scalars");
    (k == 1 ? p.alpha : p.beta) = constant_floats(*t)[0];
  }
  return lower_unary(L, n, p);
}

// --- BatchNormalization (not folded: no Conv before it) ----------------------------------------

Status lower_batch_norm(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  WI8_RETURN_IF_ERROR(require_float(L, n, x, "input X"));
  if (n.outputs.size() > 1) return fail(n, "training-mode outputs are not supported");
  std::vector<float> p[4];
  for (size_t k = 0; k < 4; ++k) {
    const TensorDesc* t = L.constant(L.input(n, k + 1));
    if (!t) return fail(n, "scale, B, mean and var must be constants");
    p[k] = floats_of(*t);
  }
  const std::vector<int64_t> xd = L.value(x).dims;
  if (xd.size() < 2) return fail(n, "X must have rank >= 2");
  const size_t c = static_cast<size_t>(xd[1]);
  for (const auto& v : p) {
    if (v.size() != c) return fail(n, "scale, B, mean and var need one value per channel");
  }
  const float eps = attr_float(n, "epsilon", 1e-5f);
  auto scale = std::make_shared<std::vector<float>>(c);
  auto shift = std::make_shared<std::vector<float>>(c);
  for (size_t k = 0; k < c; ++k) {
    const double s = p[0][k] / std::sqrt(static_cast<double>(p[3][k]) + eps);
    (*scale)[k] = static_cast<float>(s);
    (*shift)[k] = static_cast<float>(p[1][k] - p[2][k] * s);
  }
  int xin, y;
  WI8_RETURN_IF_ERROR(L.runtime(n, x, &xin));
  const bool nhwc = L.value(xin).nhwc;
  size_t inner = 1;  // elements per channel run (canonical layout)
  for (size_t k = 2; k < xd.size(); ++k) inner *= static_cast<size_t>(xd[k]);
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, xd, nhwc, &y));
  const size_t count = L.elements(xin);
  L.bind(n, 0, y);
  return L.add_step("BatchNormalization f32", n, {xin}, {y}, 0,
                    [scale, shift, nhwc, inner, c, count](const StepIO& io) {
                      const float* X = f32_in(io, 0);
                      float* Y = f32_out(io, 0);
                      for (size_t i = 0; i < count; ++i) {
                        const size_t ch = nhwc ? i % c : (i / inner) % c;
                        Y[i] = X[i] * (*scale)[ch] + (*shift)[ch];
                      }
                      return Status::ok();
                    });
}

// --- data movement -----------------------------------------------------------------------------

// A view of x (canonical layout) with new dims: Reshape, Flatten, Squeeze, Unsqueeze.
Status view(Lowerer& L, const GraphNode& n, int x, const std::vector<int64_t>& dims) {
  int xin;
  WI8_RETURN_IF_ERROR(L.canonical(n, x, &xin));
  L.bind(n, 0, L.alias(xin, dims, false));
  return Status::ok();
}

Status lower_reshape(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  if (x < 0) return fail(n, "input is missing");
  std::vector<int64_t> shape;
  if (const Attr* a = n.attr("shape")) shape = a->ints;
  const int s = L.input(n, 1);
  if (s >= 0) {
    const TensorDesc* t = L.constant(s);
    if (!t) return fail(n, "the target shape must be known at load time (a constant)");
    shape = constant_ints(*t);
  }
  WI8_RETURN_IF_ERROR(reshape_dims(n, L.value(x).dims, attr_int(n, "allowzero", 0) != 0, &shape));
  return view(L, n, x, shape);
}

Status lower_flatten(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  if (x < 0) return fail(n, "input is missing");
  std::vector<int64_t> dims;
  WI8_RETURN_IF_ERROR(flatten_dims(n, L.value(x).dims, &dims));
  return view(L, n, x, dims);
}

Status squeeze_like(Lowerer& L, const GraphNode& n, bool unsqueeze) {
  const int x = L.input(n, 0);
  if (x < 0) return fail(n, "input is missing");
  std::vector<int64_t> axes;
  if (const Attr* a = n.attr("axes")) axes = a->ints;
  if (L.input(n, 1) >= 0) {
    const TensorDesc* t = L.constant(L.input(n, 1));
    if (!t) return fail(n, "axes must be a constant");
    axes = constant_ints(*t);
  }
  std::vector<int64_t> dims;
  WI8_RETURN_IF_ERROR(squeeze_dims(n, L.value(x).dims, axes, unsqueeze, &dims));
  return view(L, n, x, dims);
}
Status lower_squeeze(Lowerer& L, const GraphNode& n) { return squeeze_like(L, n, false); }
Status lower_unsqueeze(Lowerer& L, const GraphNode& n) { return squeeze_like(L, n, true); }

// A copy into a new buffer (Identity kept for a graph output's name; Cast float -> float).
Status lower_identity(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  if (x < 0) return fail(n, "input is missing");
  if (n.op == "Cast") {
    const Attr* to = n.attr("to");
    if (!to || to->i != 1 || L.value(x).dtype != DType::kFloat32) {
      return fail(n, "Cast of a run-time tensor is supported from float32 to float32 only");
    }
  }
  int xin, y;
  WI8_RETURN_IF_ERROR(L.runtime(n, x, &xin));
  WI8_RETURN_IF_ERROR(L.new_value(n, L.value(xin).dtype, L.value(xin).dims, L.value(xin).nhwc, &y));
  const size_t bytes = L.elements(xin) * dtype_size(L.value(xin).dtype);
  L.bind(n, 0, y);
  return L.add_step("Copy", n, {xin}, {y}, 0, [bytes](const StepIO& io) {
    if (bytes) std::memcpy(io.out[0], io.in[0], bytes);
    return Status::ok();
  });
}

Status lower_shape(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  if (x < 0) return fail(n, "input is missing");
  std::vector<int64_t> d = L.value(x).dims;
  const int64_t r = static_cast<int64_t>(d.size());
  int64_t start = attr_int(n, "start", 0), end = attr_int(n, "end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::min(std::max<int64_t>(start, 0), r);
  end = std::min(std::max<int64_t>(end, start), r);
  TensorDesc t;
  t.constant = true;
  t.has_shape = true;
  t.dtype = DType::kInt64;
  t.dims = {end - start};
  t.data.resize(static_cast<size_t>(end - start) * 8);
  if (end > start) std::memcpy(t.data.data(), d.data() + start, t.data.size());
  L.bind_constant(n, 0, std::move(t));
  return Status::ok();
}

Status lower_transpose(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  if (x < 0) return fail(n, "input is missing");
  std::vector<int64_t> perm;
  if (const Attr* a = n.attr("perm")) perm = a->ints;
  int xin;
  WI8_RETURN_IF_ERROR(L.canonical(n, x, &xin));
  std::unique_ptr<Transpose> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, Transpose::create(L.physical(xin), perm, &made)));
  std::shared_ptr<Transpose> op(std::move(made));
  std::vector<int64_t> od(op->output_shape().begin(), op->output_shape().end());
  int y;
  WI8_RETURN_IF_ERROR(L.new_value(n, L.value(xin).dtype, od, false, &y));
  const size_t count = op->size();
  if (L.value(xin).dtype != DType::kFloat32) return fail(n, "Transpose runs on float32 here");
  L.bind(n, 0, y);
  return L.add_step("Transpose", n, {xin}, {y}, 0, [op, count](const StepIO& io) {
    return op->run(f32_in(io, 0), count, f32_out(io, 0), count);
  });
}

Status lower_concat(Lowerer& L, const GraphNode& n) {
  if (n.inputs.empty()) return fail(n, "Concat needs inputs");
  const Attr* axis_attr = n.attr("axis");
  if (!axis_attr) return fail(n, "attribute 'axis' is required");
  std::vector<int> ins;
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    const int v = L.input(n, k);
    WI8_RETURN_IF_ERROR(require_float(L, n, v, ("input " + std::to_string(k)).c_str()));
    ins.push_back(v);
  }
  ConcatPlan c;
  WI8_RETURN_IF_ERROR(plan_concat(L, n, axis_attr->i, {}, QuantParams(), &ins, &c));
  const std::shared_ptr<Concat> op = c.op;
  const std::vector<size_t> lens = c.lens;
  int y;
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, c.dims, c.nhwc, &y));
  const size_t yn = op->output_size();
  L.bind(n, 0, y);
  return L.add_step(
      "Concat f32", n, ins, {y}, 0,
      [op, lens, yn, xs = std::vector<const float*>(lens.size())](const StepIO& io) mutable {
        for (size_t k = 0; k < io.in.size(); ++k) xs[k] = f32_in(io, k);  // no allocation per run
        return op->run_f32(xs, lens, f32_out(io, 0), yn);
      });
}

Status lower_pad(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  WI8_RETURN_IF_ERROR(require_float(L, n, x, "input"));
  const std::vector<int64_t> xd = L.value(x).dims;
  const size_t rank = xd.size();
  std::vector<int64_t> pads;
  float value = attr_float(n, "value", 0.0f);
  if (const Attr* a = n.attr("pads")) pads = a->ints;
  if (L.input(n, 1) >= 0) {
    const TensorDesc* t = L.constant(L.input(n, 1));
    if (!t) return fail(n, "pads must be a constant");
    pads = constant_ints(*t);
  }
  if (L.input(n, 2) >= 0) {
    const TensorDesc* t = L.constant(L.input(n, 2));
    if (!t || element_count(*t) > 1) return fail(n, "constant_value must be a constant scalar");
    if (element_count(*t) == 1) value = constant_floats(*t)[0];
  }
  if (L.input(n, 3) >= 0) return fail(n, "the axes input of Pad is not supported");
  if (pads.size() != 2 * rank) {
    return fail(n, "pads needs " + std::to_string(2 * rank) + " values, has " +
                       std::to_string(pads.size()));
  }
  const std::string mode = attr_string(n, "mode", "constant");
  PadParams p;
  if (mode == "constant") {
    p.mode = PadMode::kConstant;
  } else if (mode == "reflect") {
    p.mode = PadMode::kReflect;
  } else if (mode == "edge") {
    p.mode = PadMode::kEdge;
  } else {
    return fail(n, "mode '" + mode + "' is not one of constant, reflect, edge");
  }
  p.value = value;
  int xin;
  WI8_RETURN_IF_ERROR(L.runtime(n, x, &xin));
  const bool nhwc = L.value(xin).nhwc;
  const std::vector<size_t> order = nhwc ? std::vector<size_t>{0, 2, 3, 1} : std::vector<size_t>();
  for (size_t k = 0; k < rank; ++k) {
    const size_t a = nhwc ? order[k] : k;
    p.pads_begin.push_back(pads[a]);
    p.pads_end.push_back(pads[a + rank]);
  }
  p.input = L.physical(xin);
  std::unique_ptr<PadF32> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, PadF32::create(p, &made)));
  std::shared_ptr<PadF32> op(std::move(made));
  std::vector<int64_t> od = xd;
  for (size_t k = 0; k < rank; ++k) od[k] += pads[k] + pads[k + rank];
  int y;
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, od, nhwc, &y));
  const size_t in_n = op->input_size(), out_n = op->output_size();
  L.bind(n, 0, y);
  return L.add_step("Pad f32", n, {xin}, {y}, 0, [op, in_n, out_n](const StepIO& io) {
    return op->run(f32_in(io, 0), in_n, f32_out(io, 0), out_n);
  });
}

Status lower_softmax(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  WI8_RETURN_IF_ERROR(require_float(L, n, x, "input"));
  int xin;
  WI8_RETURN_IF_ERROR(L.canonical(n, x, &xin));
  const std::vector<int64_t> xd = L.value(xin).dims;
  const int64_t opset = L.graph().opset;
  size_t axis;
  WI8_RETURN_IF_ERROR(normalize_axis(n, attr_int(n, "axis", opset >= 13 ? -1 : 1),
                                     std::max<size_t>(xd.size(), 1), &axis));
  const size_t count = L.elements(xin);
  size_t channels = 1;
  if (opset >= 13) {
    if (axis + 1 != xd.size()) {
      return fail(n, "Softmax over an axis other than the last is not supported (axis " +
                         std::to_string(axis) + " of rank " + std::to_string(xd.size()) + ")");
    }
    channels = xd.empty() ? 1 : static_cast<size_t>(xd.back());
  } else {
    for (size_t k = axis; k < xd.size(); ++k) channels *= static_cast<size_t>(xd[k]);
  }
  int y;
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, xd, false, &y));
  L.bind(n, 0, y);
  if (channels == 0 || count == 0) {
    return L.add_step("Softmax f32", n, {xin}, {y}, 0, [](const StepIO&) { return Status::ok(); });
  }
  return L.add_step("Softmax f32", n, {xin}, {y}, 0, [channels, count](const StepIO& io) {
    return softmax_f32(channels, f32_in(io, 0), count, f32_out(io, 0), count);
  });
}

Status lower_resize(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  WI8_RETURN_IF_ERROR(require_float(L, n, x, "input X"));
  const std::vector<int64_t> xd = L.value(x).dims;
  if (xd.size() != 4) return fail(n, "only 4-D (NCHW) inputs are supported");
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  const bool v10 = L.graph().opset < 11;
  const int si = L.input(n, v10 ? 1 : 2), zi = v10 ? -1 : L.input(n, 3);
  if (si >= 0) {
    const TensorDesc* t = L.constant(si);
    if (!t) return fail(n, "scales must be a constant");
    scales = constant_floats(*t);
  }
  if (zi >= 0) {
    const TensorDesc* t = L.constant(zi);
    if (!t) return fail(n, "sizes must be a constant");
    sizes = constant_ints(*t);
  }
  ResizeParams p;
  p.batch = static_cast<size_t>(xd[0]);
  p.channels = static_cast<size_t>(xd[1]);
  p.in_h = static_cast<size_t>(xd[2]);
  p.in_w = static_cast<size_t>(xd[3]);
  if (!sizes.empty()) {
    if (sizes.size() != 4 || sizes[0] != xd[0] || sizes[1] != xd[1] || sizes[2] < 1 ||
        sizes[3] < 1) {
      return fail(n, "sizes must have 4 values and keep N and C");
    }
    p.out_h = static_cast<size_t>(sizes[2]);
    p.out_w = static_cast<size_t>(sizes[3]);
  } else if (scales.size() == 4) {
    if (scales[0] != 1.0f || scales[1] != 1.0f) return fail(n, "scales for N and C must be 1");
    if (!(scales[2] > 0.0f) || !(scales[3] > 0.0f) || scales[2] > 1e4f || scales[3] > 1e4f) {
      return fail(n, "scales must be > 0");
    }
    p.scale_h = scales[2];
    p.scale_w = scales[3];
    p.out_h = static_cast<size_t>(std::floor(static_cast<float>(p.in_h) * scales[2]));
    p.out_w = static_cast<size_t>(std::floor(static_cast<float>(p.in_w) * scales[3]));
  } else {
    return fail(n, "needs 4 scales or 4 sizes");
  }
  const std::string mode = attr_string(n, "mode", "nearest");
  if (mode == "nearest") {
    p.mode = ResizeMode::kNearest;
  } else if (mode == "linear" || mode == "bilinear") {
    p.mode = ResizeMode::kLinear;
  } else {
    return fail(n, "mode '" + mode + "' is not supported (nearest, linear)");
  }
  const std::string coord =
      attr_string(n, "coordinate_transformation_mode", v10 ? "asymmetric" : "half_pixel");
  static const std::map<std::string, ResizeCoord> coords = {
      {"half_pixel", ResizeCoord::kHalfPixel},
      {"pytorch_half_pixel", ResizeCoord::kPytorchHalfPixel},
      {"align_corners", ResizeCoord::kAlignCorners},
      {"asymmetric", ResizeCoord::kAsymmetric}};
  const auto c = coords.find(coord);
  if (c == coords.end())
    return fail(n, "coordinate_transformation_mode '" + coord + "' is not supported");
  p.coord = c->second;
  const std::string nm = attr_string(n, "nearest_mode", v10 ? "floor" : "round_prefer_floor");
  static const std::map<std::string, ResizeNearestMode> nearest = {
      {"round_prefer_floor", ResizeNearestMode::kRoundPreferFloor},
      {"round_prefer_ceil", ResizeNearestMode::kRoundPreferCeil},
      {"floor", ResizeNearestMode::kFloor},
      {"ceil", ResizeNearestMode::kCeil}};
  const auto m = nearest.find(nm);
  if (m == nearest.end()) return fail(n, "nearest_mode '" + nm + "' is not supported");
  p.nearest = m->second;
  if (attr_int(n, "antialias", 0) != 0) return fail(n, "antialias is not supported");
  if (attr_int(n, "exclude_outside", 0) != 0) return fail(n, "exclude_outside is not supported");
  std::unique_ptr<ResizeF32> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, ResizeF32::create(p, &made)));
  std::shared_ptr<ResizeF32> op(std::move(made));
  int xin, y;
  WI8_RETURN_IF_ERROR(L.nhwc(n, x, &xin));
  WI8_RETURN_IF_ERROR(
      L.new_value(n, DType::kFloat32, dims4(p.batch, p.channels, p.out_h, p.out_w), true, &y));
  const size_t in_n = op->input_size(), out_n = op->output_size();
  L.bind(n, 0, y);
  return L.add_step("Resize f32", n, {xin}, {y}, 0, [op, in_n, out_n](const StepIO& io) {
    return op->run(f32_in(io, 0), in_n, f32_out(io, 0), out_n);
  });
}

const std::map<std::string, LowerFn>& table() {
  static const std::map<std::string, LowerFn> t = {
      {"Add", lower_add},
      {"AveragePool", lower_average_pool},
      {"BatchNormalization", lower_batch_norm},
      {"Cast", lower_identity},
      {"Clip", lower_clip},
      {"Concat", lower_concat},
      {"Conv", lower_conv},
      {"Div", lower_div},
      {"Dropout", lower_identity},
      {"Elu", lower_elu},
      {"Flatten", lower_flatten},
      {"Gemm", lower_gemm},
      {"GlobalAveragePool", lower_global_average_pool},
      {"HardSigmoid", lower_hard_sigmoid},
      {"HardSwish", lower_hard_swish},
      {"Identity", lower_identity},
      {"LeakyRelu", lower_leaky_relu},
      {"MatMul", lower_matmul},
      {"MaxPool", lower_max_pool},
      {"Mul", lower_mul},
      {"Pad", lower_pad},
      {"ReduceMean", lower_reduce_mean},
      {"Relu", lower_relu},
      {"Reshape", lower_reshape},
      {"Resize", lower_resize},
      {"Shape", lower_shape},
      {"Sigmoid", lower_sigmoid},
      {"Softmax", lower_softmax},
      {"Squeeze", lower_squeeze},
      {"Sub", lower_sub},
      {"Tanh", lower_tanh},
      {"Transpose", lower_transpose},
      {"Unsqueeze", lower_unsqueeze},
  };
  return t;
}

}  // namespace

LowerFn find_lowering(const std::string& op) {
  const auto it = table().find(op);
  return it == table().end() ? find_lowering_s8(op) : it->second;
}

std::vector<std::string> supported_ops() {
  std::vector<std::string> v;
  for (const auto& kv : table()) v.push_back(kv.first);
  supported_ops_s8(&v);
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace wi8
