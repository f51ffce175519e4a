// The int8 op lowerings: QuantizeLinear / DequantizeLinear at run time and the QOperator ops
// (QLinearConv, QLinearMatMul, QGemm, QLinearAdd / QLinearMul, QLinearGlobalAveragePool,
// QLinearAveragePool, QLinearConcat) onto the int8 ops of src/ops. QDQ models reach these too:
// simplify.h rewrites DequantizeLinear -> op -> QuantizeLinear groups into the QOperator form.
//
// uint8 tensors become int8 with the zero point shifted by -128 (Lowerer::s8), so every uint8
// model runs on the int8 kernels; weights must have zero point 0 and lie in [-127, 127] to be used
// as they are, others are dequantized and quantized again per output channel (quant.h's scheme).
#include <cmath>
#include <cstring>
#include <map>

#include "graph/fold.h"
#include "graph/lower_util.h"
#include "graph/simplify.h"
#include "ops/concat.h"
#include "ops/conv2d.h"
#include "ops/elementwise.h"
#include "ops/fully_connected.h"
#include "ops/pool.h"
#include "ops/quantize.h"

namespace wi8 {

namespace {

using StepIO = Executor::StepIO;

const int8_t* s8_in(const StepIO& io, size_t k) {
  return reinterpret_cast<const int8_t*>(io.in[k]);
}
int8_t* s8_out(const StepIO& io, size_t k) { return reinterpret_cast<int8_t*>(io.out[k]); }

// Per-tensor parameters from a scale input and an optional zero-point input. `u8`: the tensor is
// uint8 (zero point uint8, or absent: ONNX's default), held as int8 with zero point - 128.
Status tensor_qparams(Lowerer& L, const GraphNode& n, size_t k_scale, size_t k_zp, QuantParams* q,
                      bool* u8) {
  const TensorDesc* s = L.constant(L.input(n, k_scale));
  const TensorDesc* z = L.constant(L.input(n, k_zp));
  const std::string what = "input " + std::to_string(k_scale) + " (scale)";
  if (!s) return fail(n, what + " must be a constant");
  if (s->dtype != DType::kFloat32 || element_count(*s) != 1) {
    return fail(n, what + " must be one float32 value (per-tensor)");
  }
  if (L.input(n, k_zp) >= 0 && !z) {
    return fail(n, "input " + std::to_string(k_zp) + " (zero point) must be a constant");
  }
  if (z && (element_count(*z) != 1 || (z->dtype != DType::kInt8 && z->dtype != DType::kUint8))) {
    return fail(n,
                "input " + std::to_string(k_zp) + " (zero point) must be one int8 or uint8 value");
  }
  *u8 = !z || z->dtype == DType::kUint8;
  q->scale = constant_floats(*s)[0];
  const int64_t zp = z ? constant_ints(*z)[0] : 0;
  q->zero_point = static_cast<int32_t>(*u8 ? zp - 128 : zp);
  return Lowerer::at(n, validate_int8_params(*q, what.c_str()));
}

// The int8 runtime value of input k, checked against the parameters the node gives for it.
Status quantized_input(Lowerer& L, const GraphNode& n, size_t k, bool u8, int* v) {
  const int x = L.input(n, k);
  if (x < 0) return fail(n, "input " + std::to_string(k) + " is missing");
  const DType t = L.value(x).dtype;
  if (t != DType::kInt8 && t != DType::kUint8) {
    return fail(n,
                "input " + std::to_string(k) + " is " + dtype_name(t) + ", expected int8 or uint8");
  }
  const bool is_u8 = t == DType::kUint8 || L.value(x).from_u8;
  if (is_u8 != u8) {
    return fail(n, "input " + std::to_string(k) + " is " + (is_u8 ? "uint8" : "int8") +
                       " but its zero point is " + (u8 ? "uint8" : "int8"));
  }
  return L.s8(n, x, v);
}

// Weights: integer values minus the per-channel zero point, and per-channel scales (`channels`
// entries, or one broadcast).
struct QWeights {
  std::vector<int32_t> values;  // q - zero_point
  std::vector<float> scales;    // per output channel
  bool fits_int8 = true;        // all values in [-127, 127]
};

Status weight_qparams(Lowerer& L, const GraphNode& n, size_t k_w, size_t k_scale, size_t k_zp,
                      size_t channels, size_t channel_stride, QWeights* w) {
  const TensorDesc* wt = L.constant(L.input(n, k_w));
  const TensorDesc* st = L.constant(L.input(n, k_scale));
  const TensorDesc* zt = L.constant(L.input(n, k_zp));
  if (!wt || (wt->dtype != DType::kInt8 && wt->dtype != DType::kUint8)) {
    return fail(
        n, "the weights (input " + std::to_string(k_w) + ") must be an int8 or uint8 constant");
  }
  if (!st || st->dtype != DType::kFloat32)
    return fail(n, "the weight scale must be a float32 constant");
  if (L.input(n, k_zp) >= 0 && !zt) return fail(n, "the weight zero point must be a constant");
  std::vector<float> s = constant_floats(*st);
  std::vector<int64_t> z = zt ? constant_ints(*zt) : std::vector<int64_t>(1, 0);
  if (s.size() != 1 && s.size() != channels) {
    return fail(n, "the weight scale has " + std::to_string(s.size()) + " values, expected 1 or " +
                       std::to_string(channels));
  }
  if (z.size() != 1 && z.size() != channels) {
    return fail(n, "the weight zero point has " + std::to_string(z.size()) +
                       " values, expected 1 or " + std::to_string(channels));
  }
  const std::vector<int64_t> q = constant_ints(*wt);
  w->scales.resize(channels);
  w->values.resize(q.size());
  for (size_t c = 0; c < channels; ++c) {
    w->scales[c] = s.size() == 1 ? s[0] : s[c];
    if (!(w->scales[c] > 0.0f) || !std::isfinite(w->scales[c])) {
      return fail(n, "weight scale " + std::to_string(c) + " must be finite and > 0");
    }
  }
  for (size_t k = 0; k < q.size(); ++k) {
    const size_t c = (k / channel_stride) % channels;
    const int64_t v = q[k] - (z.size() == 1 ? z[0] : z[c]);
    w->values[k] = static_cast<int32_t>(v);
    w->fits_int8 = w->fits_int8 && v >= -127 && v <= 127;
  }
  return Status::ok();
}

Status int32_bias(Lowerer& L, const GraphNode& n, size_t k, size_t channels,
                  std::vector<int32_t>* bias) {
  if (L.input(n, k) < 0) return Status::ok();
  const TensorDesc* b = L.constant(L.input(n, k));
  if (!b || b->dtype != DType::kInt32) return fail(n, "the bias must be an int32 constant");
  const std::vector<int64_t> v = constant_ints(*b);
  if (v.size() != channels) {
    return fail(n, "the bias has " + std::to_string(v.size()) + " values, expected " +
                       std::to_string(channels));
  }
  bias->assign(v.begin(), v.end());
  return Status::ok();
}

// --- QuantizeLinear / DequantizeLinear ---------------------------------------------------------

Status lower_quantize_linear(Lowerer& L, const GraphNode& n) {
  const int x = L.input(n, 0);
  if (x < 0 || L.value(x).dtype != DType::kFloat32) return fail(n, "x must be float32");
  QuantParams q;
  bool u8;
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 1, 2, &q, &u8));
  int xin, y;
  WI8_RETURN_IF_ERROR(L.runtime(n, x, &xin));
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kInt8, L.value(xin).dims, L.value(xin).nhwc, &y));
  L.set_quant(y, q, u8);
  const size_t count = L.elements(xin);
  L.bind(n, 0, y);
  return L.add_step("QuantizeLinear", n, {xin}, {y}, 0, [q, count](const StepIO& io) {
    return quantize_tensor(f32_in(io, 0), count, q, s8_out(io, 0), count);
  });
}

Status lower_dequantize_linear(Lowerer& L, const GraphNode& n) {
  QuantParams q;
  bool u8;
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 1, 2, &q, &u8));
  int x, y;
  WI8_RETURN_IF_ERROR(quantized_input(L, n, 0, u8, &x));
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kFloat32, L.value(x).dims, L.value(x).nhwc, &y));
  const size_t count = L.elements(x);
  L.bind(n, 0, y);
  return L.add_step("DequantizeLinear", n, {x}, {y}, 0, [q, count](const StepIO& io) {
    return dequantize_tensor(s8_in(io, 0), count, q, f32_out(io, 0), count);
  });
}

// --- QLinearConv -------------------------------------------------------------------------------

Status lower_qlinear_conv(Lowerer& L, const GraphNode& n) {
  Conv2DS8Params p;
  bool x_u8, y_u8;
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 1, 2, &p.input, &x_u8));
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 6, 7, &p.output, &y_u8));
  int x;
  WI8_RETURN_IF_ERROR(quantized_input(L, n, 0, x_u8, &x));
  const TensorDesc* wt = L.constant(L.input(n, 3));
  if (!wt) return fail(n, "w must be a constant (an initializer)");
  WI8_RETURN_IF_ERROR(conv_geometry(L, n, x, wt->dims, &p.geometry));
  p.activation = fused_activation(n);
  const Conv2DGeometry& g = p.geometry;
  const size_t oc = g.out_c, ic = g.in_c / g.groups;
  QWeights w;
  WI8_RETURN_IF_ERROR(weight_qparams(L, n, 3, 4, 5, oc, ic * g.kernel_h * g.kernel_w, &w));
  std::vector<int32_t> bias;
  WI8_RETURN_IF_ERROR(int32_bias(L, n, 8, oc, &bias));
  const std::vector<int32_t> ohwi = oihw_to_ohwi(w.values, oc, ic, g.kernel_h, g.kernel_w);
  std::unique_ptr<Conv2DS8> made;
  if (w.fits_int8) {
    const std::vector<int8_t> w8(ohwi.begin(), ohwi.end());
    WI8_RETURN_IF_ERROR(
        Lowerer::at(n, Conv2DS8::create(p, w8.data(), w.scales.data(),
                                        bias.empty() ? nullptr : bias.data(), &made)));
  } else {
    // Weights outside the symmetric range: requantized per channel from their real values.
    const size_t per = ohwi.size() / oc;
    std::vector<float> wf(ohwi.size()), bf(bias.size());
    for (size_t k = 0; k < ohwi.size(); ++k)
      wf[k] = static_cast<float>(ohwi[k]) * w.scales[k / per];
    for (size_t c = 0; c < bias.size(); ++c) {
      bf[c] = static_cast<float>(static_cast<double>(bias[c]) * p.input.scale * w.scales[c]);
    }
    WI8_RETURN_IF_ERROR(Lowerer::at(
        n, Conv2DS8::create_from_float(p, wf.data(), bf.empty() ? nullptr : bf.data(), &made)));
  }
  std::shared_ptr<Conv2DS8> op(std::move(made));
  int xin, y;
  WI8_RETURN_IF_ERROR(L.nhwc(n, x, &xin));
  const Conv2DGeometry& G = op->geometry();
  WI8_RETURN_IF_ERROR(
      L.new_value(n, DType::kInt8, dims4(G.batch, G.out_c, G.out_h, G.out_w), true, &y));
  L.set_quant(y, p.output, y_u8);
  const size_t in_n = op->input_size(), out_n = op->output_size(), ws = op->workspace_size();
  const char* kind = op->is_depthwise() ? "Conv int8 depthwise"
                     : G.is_pointwise() ? "Conv int8 1x1"
                                        : "Conv int8 im2col";
  L.bind(n, 0, y);
  return L.add_step(kind, n, {xin}, {y}, ws, [op, in_n, out_n](const StepIO& io) {
    return op->run(s8_in(io, 0), in_n, s8_out(io, 0), out_n,
                   reinterpret_cast<int8_t*>(io.workspace), io.workspace_bytes);
  });
}

// --- QLinearMatMul / QGemm: FullyConnectedS8 ---------------------------------------------------

// a [.., K] (int8 value) x b [K, N] (or [N, K] when b_transposed) + int32 bias -> int8 [.., N].
Status quantized_fc(Lowerer& L, const GraphNode& n, size_t k_a, size_t k_b, size_t k_bias,
                    size_t k_y, bool b_transposed) {
  FullyConnectedParams p;
  bool a_u8, y_u8;
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, k_a + 1, k_a + 2, &p.input, &a_u8));
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, k_y, k_y + 1, &p.output, &y_u8));
  p.activation = fused_activation(n);
  int a;
  WI8_RETURN_IF_ERROR(quantized_input(L, n, k_a, a_u8, &a));
  const TensorDesc* bt = L.constant(L.input(n, k_b));
  if (!bt || bt->dims.size() != 2) return fail(n, "B must be a 2-D constant (an initializer)");
  const std::vector<int64_t> ad = L.value(a).dims;
  const size_t K = static_cast<size_t>(b_transposed ? bt->dims[1] : bt->dims[0]);
  const size_t N = static_cast<size_t>(b_transposed ? bt->dims[0] : bt->dims[1]);
  if (ad.empty() || static_cast<size_t>(ad.back()) != K) {
    return fail(n, "A's last dimension must be K = " + std::to_string(K));
  }
  p.in_features = K;
  p.out_features = N;
  QWeights w;
  WI8_RETURN_IF_ERROR(weight_qparams(L, n, k_b, k_b + 1, k_b + 2, N, b_transposed ? K : 1, &w));
  std::vector<int32_t> bias;
  WI8_RETURN_IF_ERROR(int32_bias(L, n, k_bias, N, &bias));
  // Weights as [N][K].
  std::vector<int32_t> wk(N * K);
  for (size_t j = 0; j < N; ++j) {
    for (size_t k = 0; k < K; ++k)
      wk[j * K + k] = b_transposed ? w.values[j * K + k] : w.values[k * N + j];
  }
  std::unique_ptr<FullyConnectedS8> made;
  if (w.fits_int8) {
    const std::vector<int8_t> w8(wk.begin(), wk.end());
    WI8_RETURN_IF_ERROR(
        Lowerer::at(n, FullyConnectedS8::create(p, w8.data(), w.scales.data(),
                                                bias.empty() ? nullptr : bias.data(), &made)));
  } else {
    std::vector<float> wf(wk.size()), bf(bias.size());
    for (size_t k = 0; k < wk.size(); ++k) wf[k] = static_cast<float>(wk[k]) * w.scales[k / K];
    for (size_t c = 0; c < bias.size(); ++c) {
      bf[c] = static_cast<float>(static_cast<double>(bias[c]) * p.input.scale * w.scales[c]);
    }
    WI8_RETURN_IF_ERROR(Lowerer::at(n, FullyConnectedS8::create_from_float(
                                           p, wf.data(), bf.empty() ? nullptr : bf.data(), &made)));
  }
  std::shared_ptr<FullyConnectedS8> op(std::move(made));
  size_t rows = 1;
  for (size_t k = 0; k + 1 < ad.size(); ++k) rows *= static_cast<size_t>(ad[k]);
  std::vector<int64_t> od = ad;
  od.back() = static_cast<int64_t>(N);
  int x, y;
  WI8_RETURN_IF_ERROR(L.canonical(n, a, &x));
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kInt8, od, false, &y));
  L.set_quant(y, p.output, y_u8);
  L.bind(n, 0, y);
  const size_t in_n = rows * K, out_n = rows * N;
  return L.add_step("FullyConnected int8", n, {x}, {y}, 0,
                    [op, rows, in_n, out_n](const StepIO& io) {
                      return op->run(s8_in(io, 0), in_n, rows, s8_out(io, 0), out_n);
                    });
}

Status lower_qlinear_matmul(Lowerer& L, const GraphNode& n) {
  return quantized_fc(L, n, 0, 3, 99, 6, false);
}

// com.microsoft QGemm: A, a_scale, a_zp, B, b_scale, b_zp, C (int32), y_scale, y_zp.
Status lower_qgemm(Lowerer& L, const GraphNode& n) {
  if (attr_int(n, "transA", 0) != 0) return fail(n, "transA = 1 is not supported");
  if (attr_float(n, "alpha", 1.0f) != 1.0f) return fail(n, "alpha other than 1 is not supported");
  if (L.input(n, 7) < 0) return fail(n, "a float output (no y_scale) is not supported");
  return quantized_fc(L, n, 0, 3, 6, 7, attr_int(n, "transB", 0) != 0);
}

// --- QLinearAdd / QLinearMul -------------------------------------------------------------------

Status quantized_binary(Lowerer& L, const GraphNode& n, BinaryOpKind kind) {
  QuantParams qa, qb, qy;
  bool a_u8, b_u8, y_u8;
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 1, 2, &qa, &a_u8));
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 4, 5, &qb, &b_u8));
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 6, 7, &qy, &y_u8));
  int a, b;
  WI8_RETURN_IF_ERROR(quantized_input(L, n, 0, a_u8, &a));
  WI8_RETURN_IF_ERROR(quantized_input(L, n, 3, b_u8, &b));
  const std::vector<int64_t> ad = L.value(a).dims, bd = L.value(b).dims;
  const size_t rank = std::max(ad.size(), bd.size());
  const bool want_nhwc = (L.value(a).nhwc || L.value(b).nhwc) && rank == 4;
  // Lower-rank operands are broadcast views of rank 4 (then NHWC like the other).
  auto to_layout = [&](int v, int* out) -> Status {
    if (!want_nhwc) return L.canonical(n, v, out);
    std::vector<int64_t> d = L.value(v).dims;
    if (d.size() < 4) {
      int c;
      WI8_RETURN_IF_ERROR(L.canonical(n, v, &c));
      d.insert(d.begin(), 4 - d.size(), 1);
      v = L.alias(c, d, false);
    }
    return L.nhwc(n, v, out);
  };
  WI8_RETURN_IF_ERROR(to_layout(a, &a));
  WI8_RETURN_IF_ERROR(to_layout(b, &b));
  std::unique_ptr<BinaryS8> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, BinaryS8::create(kind, L.physical(a), qa, L.physical(b), qb,
                                                      qy, fused_activation(n), &made)));
  std::shared_ptr<BinaryS8> op(std::move(made));
  const std::vector<int64_t> od = broadcast_dims(L.value(a).dims, L.value(b).dims);
  int y;
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kInt8, od, want_nhwc, &y));
  L.set_quant(y, qy, y_u8);
  const size_t an = L.elements(a), bn = L.elements(b), yn = op->output_size();
  L.bind(n, 0, y);
  return L.add_step(kind == BinaryOpKind::kAdd ? "Add int8" : "Mul int8", n, {a, b}, {y}, 0,
                    [op, an, bn, yn](const StepIO& io) {
                      return op->run(s8_in(io, 0), an, s8_in(io, 1), bn, s8_out(io, 0), yn);
                    });
}

Status lower_qlinear_add(Lowerer& L, const GraphNode& n) {
  return quantized_binary(L, n, BinaryOpKind::kAdd);
}
Status lower_qlinear_mul(Lowerer& L, const GraphNode& n) {
  return quantized_binary(L, n, BinaryOpKind::kMul);
}

// --- pools -------------------------------------------------------------------------------------

Status lower_qlinear_global_average_pool(Lowerer& L, const GraphNode& n) {
  if (attr_int(n, "channels_last", 0) != 0) return fail(n, "channels_last = 1 is not supported");
  QuantParams qx, qy;
  bool x_u8, y_u8;
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 1, 2, &qx, &x_u8));
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 3, 4, &qy, &y_u8));
  int x;
  WI8_RETURN_IF_ERROR(quantized_input(L, n, 0, x_u8, &x));
  const std::vector<int64_t> xd = L.value(x).dims;
  if (xd.size() != 4) return fail(n, "X must have rank 4");
  GlobalAveragePoolParams p;
  p.batch = static_cast<size_t>(xd[0]);
  p.channels = static_cast<size_t>(xd[1]);
  p.height = static_cast<size_t>(xd[2]);
  p.width = static_cast<size_t>(xd[3]);
  std::unique_ptr<GlobalAveragePoolS8> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, GlobalAveragePoolS8::create(p, qx, qy, &made)));
  std::shared_ptr<GlobalAveragePoolS8> op(std::move(made));
  int xin, y;
  WI8_RETURN_IF_ERROR(L.nhwc(n, x, &xin));
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kInt8, dims4(p.batch, p.channels, 1, 1), true, &y));
  L.set_quant(y, qy, y_u8);
  const size_t in_n = op->input_size(), out_n = op->output_size();
  L.bind(n, 0, y);
  return L.add_step("GlobalAveragePool int8", n, {xin}, {y}, 0,
                    [op, in_n, out_n](const StepIO& io) {
                      return op->run(s8_in(io, 0), in_n, s8_out(io, 0), out_n);
                    });
}

Status lower_qlinear_average_pool(Lowerer& L, const GraphNode& n) {
  QuantParams qx, qy;
  bool x_u8, y_u8;
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 1, 2, &qx, &x_u8));
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 3, 4, &qy, &y_u8));
  int x;
  WI8_RETURN_IF_ERROR(quantized_input(L, n, 0, x_u8, &x));
  AveragePool2DParams p;
  WI8_RETURN_IF_ERROR(pool_window(L, n, x, &p.geometry));
  p.count_include_pad = attr_int(n, "count_include_pad", 0) != 0;
  std::unique_ptr<AveragePool2DS8> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, AveragePool2DS8::create(p, qx, qy, &made)));
  std::shared_ptr<AveragePool2DS8> op(std::move(made));
  int xin, y;
  WI8_RETURN_IF_ERROR(L.nhwc(n, x, &xin));
  const Pool2DGeometry& G = op->geometry();
  WI8_RETURN_IF_ERROR(
      L.new_value(n, DType::kInt8, dims4(G.batch, G.channels, G.out_h, G.out_w), true, &y));
  L.set_quant(y, qy, y_u8);
  const size_t in_n = op->input_size(), out_n = op->output_size();
  L.bind(n, 0, y);
  return L.add_step("AveragePool int8", n, {xin}, {y}, 0, [op, in_n, out_n](const StepIO& io) {
    return op->run(s8_in(io, 0), in_n, s8_out(io, 0), out_n);
  });
}

// --- QLinearConcat -----------------------------------------------------------------------------

Status lower_qlinear_concat(Lowerer& L, const GraphNode& n) {
  const Attr* axis_attr = n.attr("axis");
  if (!axis_attr) return fail(n, "attribute 'axis' is required");
  if (n.inputs.size() < 5 || (n.inputs.size() - 2) % 3 != 0) {
    return fail(n,
                "QLinearConcat needs Y_scale, Y_zero_point, then (X, scale, zero point) triples");
  }
  QuantParams qy;
  bool y_u8;
  WI8_RETURN_IF_ERROR(tensor_qparams(L, n, 0, 1, &qy, &y_u8));
  std::vector<int> ins;
  std::vector<QuantParams> qs;
  for (size_t k = 2; k < n.inputs.size(); k += 3) {
    QuantParams q;
    bool u8;
    WI8_RETURN_IF_ERROR(tensor_qparams(L, n, k + 1, k + 2, &q, &u8));
    int v;
    WI8_RETURN_IF_ERROR(quantized_input(L, n, k, u8, &v));
    ins.push_back(v);
    qs.push_back(q);
  }
  ConcatPlan c;
  WI8_RETURN_IF_ERROR(plan_concat(L, n, axis_attr->i, qs, qy, &ins, &c));
  const std::shared_ptr<Concat> op = c.op;
  const std::vector<size_t> lens = c.lens;
  int y;
  WI8_RETURN_IF_ERROR(L.new_value(n, DType::kInt8, c.dims, c.nhwc, &y));
  L.set_quant(y, qy, y_u8);
  const size_t yn = op->output_size();
  L.bind(n, 0, y);
  return L.add_step(
      "Concat int8", n, ins, {y}, 0,
      [op, lens, yn, xs = std::vector<const int8_t*>(lens.size())](const StepIO& io) mutable {
        for (size_t k = 0; k < io.in.size(); ++k) xs[k] = s8_in(io, k);  // no allocation per run
        return op->run_s8(xs, lens, s8_out(io, 0), yn);
      });
}

const std::map<std::string, LowerFn>& table() {
  static const std::map<std::string, LowerFn> t = {
      {"DequantizeLinear", lower_dequantize_linear},
      {"QGemm", lower_qgemm},
      {"QLinearAdd", lower_qlinear_add},
      {"QLinearAveragePool", lower_qlinear_average_pool},
      {"QLinearConcat", lower_qlinear_concat},
      {"QLinearConv", lower_qlinear_conv},
      {"QLinearGlobalAveragePool", lower_qlinear_global_average_pool},
      {"QLinearMatMul", lower_qlinear_matmul},
      {"QLinearMul", lower_qlinear_mul},
      {"QuantizeLinear", lower_quantize_linear},
  };
  return t;
}

}  // namespace

// int8 MaxPool (called by the MaxPool lowering for int8 / uint8 inputs): the output keeps the
// input's parameters.
Status lower_max_pool_s8(Lowerer& L, const GraphNode& n, int x) {
  WI8_RETURN_IF_ERROR(L.s8(n, x, &x));
  Pool2DGeometry g;
  WI8_RETURN_IF_ERROR(pool_window(L, n, x, &g));
  std::unique_ptr<MaxPool2DS8> made;
  WI8_RETURN_IF_ERROR(Lowerer::at(n, MaxPool2DS8::create(g, &made)));
  std::shared_ptr<MaxPool2DS8> op(std::move(made));
  int xin, y;
  WI8_RETURN_IF_ERROR(L.nhwc(n, x, &xin));
  const Pool2DGeometry& G = op->geometry();
  WI8_RETURN_IF_ERROR(
      L.new_value(n, DType::kInt8, dims4(G.batch, G.channels, G.out_h, G.out_w), true, &y));
  L.set_quant(y, L.value(x).q, L.value(x).from_u8);
  const size_t in_n = op->input_size(), out_n = op->output_size();
  L.bind(n, 0, y);
  return L.add_step("MaxPool int8", n, {xin}, {y}, 0, [op, in_n, out_n](const StepIO& io) {
    return op->run(s8_in(io, 0), in_n, s8_out(io, 0), out_n);
  });
}

LowerFn find_lowering_s8(const std::string& op) {
  const auto it = table().find(op);
  return it == table().end() ? nullptr : it->second;
}

void supported_ops_s8(std::vector<std::string>* ops) {
  for (const auto& kv : table()) ops->push_back(kv.first);
}

}  // namespace wi8
