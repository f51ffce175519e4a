// Post-training quantization of a graph (graph/quantize_graph.h): calibrate an fp32 graph with
// observers, quantize it, and check that (1) the QDQ groups become int8 ops, (2) the int8 model is
// within a few output steps of fp32, (3) the simulate mode (fake quantization on fp32 kernels)
// agrees with the int8 model within one output step, for every calibration method.
#include "graph/quantize_graph.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <set>

#include "graph/bias_correction.h"
#include "graph/executor.h"
#include "graph/simplify.h"
#include "test_util.h"

namespace wi8 {
namespace {

int add_tensor(Graph* g, const std::string& name, std::vector<int64_t> dims,
               const std::vector<float>* data = nullptr) {
  TensorDesc t;
  t.name = name;
  t.dims = std::move(dims);
  t.has_shape = true;
  if (data) {
    t.constant = true;
    t.data.resize(data->size() * 4);
    std::memcpy(t.data.data(), data->data(), t.data.size());
  }
  g->tensors.push_back(std::move(t));
  return static_cast<int>(g->tensors.size() - 1);
}

void add_node(Graph* g, const std::string& op, std::vector<int> in, std::vector<int> out,
              std::vector<Attr> attrs = {}) {
  GraphNode n;
  n.name = op + std::to_string(g->nodes.size());
  n.op = op;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.attrs = std::move(attrs);
  n.source_index = g->nodes.size();
  g->nodes.push_back(std::move(n));
}

Attr ints(const std::string& name, std::vector<int64_t> v) {
  Attr a;
  a.name = name;
  a.kind = AttrKind::kInts;
  a.ints = std::move(v);
  return a;
}
Attr int1(const std::string& name, int64_t v) {
  Attr a;
  a.name = name;
  a.kind = AttrKind::kInt;
  a.i = v;
  return a;
}

// x [N, 3, 8, 8] -> Conv 3x3 (6) + Relu -> depthwise 3x3 + Relu -> Add (residual) -> MaxPool 2x2
// -> GlobalAveragePool -> Flatten -> Gemm (4) -> y.
std::shared_ptr<Graph> small_graph() {
  test::Rng rng(3);
  auto g = std::make_shared<Graph>();
  g->opset = 13;
  const std::vector<float> w1 = rng.floats(6 * 3 * 9, -0.5f, 0.5f), b1 = rng.floats(6, -0.1f, 0.1f);
  const std::vector<float> w2 = rng.floats(6 * 9, -0.5f, 0.5f), b2 = rng.floats(6, -0.1f, 0.1f);
  const std::vector<float> wf = rng.floats(4 * 6, -1.0f, 1.0f), bf = rng.floats(4, -0.1f, 0.1f);
  const int x = add_tensor(g.get(), "x", {-1, 3, 8, 8});
  g->inputs = {x};
  const int tw1 = add_tensor(g.get(), "w1", {6, 3, 3, 3}, &w1),
            tb1 = add_tensor(g.get(), "b1", {6}, &b1);
  const int tw2 = add_tensor(g.get(), "w2", {6, 1, 3, 3}, &w2),
            tb2 = add_tensor(g.get(), "b2", {6}, &b2);
  const int twf = add_tensor(g.get(), "wf", {4, 6}, &wf), tbf = add_tensor(g.get(), "bf", {4}, &bf);
  int c1 = add_tensor(g.get(), "c1", {}), r1 = add_tensor(g.get(), "r1", {});
  int c2 = add_tensor(g.get(), "c2", {}), r2 = add_tensor(g.get(), "r2", {});
  int s = add_tensor(g.get(), "s", {}), m = add_tensor(g.get(), "m", {}),
      p = add_tensor(g.get(), "p", {});
  int f = add_tensor(g.get(), "f", {}), y = add_tensor(g.get(), "y", {});
  add_node(g.get(), "Conv", {x, tw1, tb1}, {c1},
           {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1})});
  add_node(g.get(), "Relu", {c1}, {r1});
  add_node(g.get(), "Conv", {r1, tw2, tb2}, {c2},
           {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1}), int1("group", 6)});
  add_node(g.get(), "Relu", {c2}, {r2});
  add_node(g.get(), "Add", {r2, r1}, {s});
  add_node(g.get(), "MaxPool", {s}, {m}, {ints("kernel_shape", {2, 2}), ints("strides", {2, 2})});
  add_node(g.get(), "GlobalAveragePool", {m}, {p});
  add_node(g.get(), "Flatten", {p}, {f});
  add_node(g.get(), "Gemm", {f, twf, tbf}, {y}, {int1("transB", 1)});
  g->outputs = {y};
  return g;
}

std::vector<float> run(const std::shared_ptr<const Graph>& g, const std::vector<float>& x,
                       size_t batch, std::vector<Observer>* obs = nullptr) {
  std::unique_ptr<Executor> ex;
  Status s = Executor::create(g, {{batch, 3, 8, 8}}, &ex, ExecLimits(), {}, obs);
  EXPECT_TRUE(s.is_ok()) << s.message();
  if (!s.is_ok()) return {};
  std::memcpy(ex->input_data(0), x.data(), x.size() * 4);
  s = ex->run();
  EXPECT_TRUE(s.is_ok()) << s.message();
  std::vector<float> y(ex->output_bytes(0) / 4);
  std::memcpy(y.data(), ex->output_data(0), y.size() * 4);
  return y;
}

TEST(QuantizeGraph, CalibratedInt8MatchesFp32AndSimulateMatchesInt8) {
  auto fp32 = small_graph();
  ASSERT_TRUE(simplify_graph(fp32.get()).is_ok());
  test::Rng rng(9);
  std::vector<Observer> obs;
  for (int k = 0; k < 64; ++k) run(fp32, rng.floats(4 * 3 * 64, -1.0f, 1.0f), 4, &obs);
  const std::vector<float> x = rng.floats(4 * 3 * 64, -1.0f, 1.0f);
  const std::vector<float> want = run(fp32, x, 4);
  for (CalibrationMethod m :
       {CalibrationMethod::kMinMax, CalibrationMethod::kMovingAverage,
        CalibrationMethod::kPercentile, CalibrationMethod::kMse, CalibrationMethod::kEntropy}) {
    SCOPED_TRACE(calibration_method_name(m));
    QuantizeOptions opt;
    opt.method = m;
    Graph qdq;
    std::vector<QuantizedTensor> report;
    ASSERT_TRUE(quantize_graph(*fp32, obs, opt, &qdq, &report).is_ok());
    EXPECT_EQ(report.size(), 8u);  // x, r1, r2 (Relu fused), s, m, p, f, y
    auto int8 = std::make_shared<Graph>(qdq);
    auto sim = std::make_shared<Graph>(qdq);
    ASSERT_TRUE(simplify_graph(int8.get(), true).is_ok());
    ASSERT_TRUE(simplify_graph(sim.get(), false).is_ok());
    std::vector<std::string> ops;
    for (const GraphNode& n : int8->nodes) ops.push_back(n.op);
    EXPECT_EQ(ops, (std::vector<std::string>{"QuantizeLinear", "QLinearConv", "QLinearConv",
                                             "QLinearAdd", "MaxPool", "QLinearGlobalAveragePool",
                                             "Flatten", "QGemm", "DequantizeLinear"}));
    const std::vector<float> got = run(int8, x, 4), simulated = run(sim, x, 4);
    const float out_scale = report.back().params.scale;
    ASSERT_EQ(got.size(), want.size());
    // minmax keeps every value in range: within a few output steps of fp32. The other methods
    // clip rare values by design: their mean error is what is bounded.
    double err = 0, mag = 0;
    for (size_t k = 0; k < got.size(); ++k) {
      if (m == CalibrationMethod::kMinMax) {
        EXPECT_NEAR(got[k], want[k], 4 * out_scale) << k;
      }
      EXPECT_NEAR(got[k], simulated[k], 1.0001f * out_scale) << k;
      err += std::fabs(got[k] - want[k]);
      mag += std::fabs(want[k]);
    }
    EXPECT_LT(err, 0.1 * mag);
  }
}

// Two layers sharing one weight and one bias tensor each get their own quantized copies, under
// distinct names (the QDQ ONNX export needs unique names).
TEST(QuantizeGraph, SharedWeightsGetUniqueQuantizedNames) {
  test::Rng rng(4);
  auto g = std::make_shared<Graph>();
  g->opset = 13;
  const std::vector<float> w = rng.floats(3 * 3, -1.0f, 1.0f), b = rng.floats(3, -0.1f, 0.1f);
  const int x = add_tensor(g.get(), "x", {1, 3, 4, 4});
  const int tw = add_tensor(g.get(), "w", {3, 3, 1, 1}, &w), tb = add_tensor(g.get(), "b", {3}, &b);
  const int c1 = add_tensor(g.get(), "c1", {}), c2 = add_tensor(g.get(), "c2", {});
  add_node(g.get(), "Conv", {x, tw, tb}, {c1}, {ints("kernel_shape", {1, 1})});
  add_node(g.get(), "Conv", {c1, tw, tb}, {c2}, {ints("kernel_shape", {1, 1})});
  g->inputs = {x};
  g->outputs = {c2};
  ASSERT_TRUE(simplify_graph(g.get()).is_ok());
  std::vector<Observer> obs;
  std::unique_ptr<Executor> ex;
  ASSERT_TRUE(Executor::create(g, {{1, 3, 4, 4}}, &ex, ExecLimits(), {}, &obs).is_ok());
  const std::vector<float> in = rng.floats(48, -1.0f, 1.0f);
  std::memcpy(ex->input_data(0), in.data(), in.size() * 4);
  ASSERT_TRUE(ex->run().is_ok());
  Graph qdq;
  std::vector<QuantizedTensor> report;
  ASSERT_TRUE(quantize_graph(*g, obs, QuantizeOptions(), &qdq, &report).is_ok());
  std::set<std::string> names;
  size_t named = 0;
  for (const TensorDesc& t : qdq.tensors) {
    if (t.name.empty()) continue;
    names.insert(t.name);
    ++named;
  }
  EXPECT_EQ(names.size(), named);
  EXPECT_TRUE(names.count("w.q") && names.count("w.q#2") && names.count("b.q#2"));
}

// Bias correction finds its sites (the two convs and the Gemm), measures each one's own mean
// error and puts it back into the int32 bias: a bias knocked off by 40 steps per channel is
// restored to within a step of where the correction of the unperturbed model ends (for the conv,
// a small move; the Gemm's bias steps are much finer than its output's). `gemm_beta` scales the
// Gemm's bias (y = A B + beta C): its correction is divided by it.
void check_bias_correction(const std::string& bias, size_t channels, float gemm_beta,
                           bool small_move) {
  auto fp32 = small_graph();
  if (gemm_beta != 1.0f) {
    Attr beta;
    beta.name = "beta";
    beta.kind = AttrKind::kFloat;
    beta.f = gemm_beta;
    fp32->nodes.back().attrs.push_back(beta);
  }
  ASSERT_TRUE(simplify_graph(fp32.get()).is_ok());
  test::Rng rng(11);
  std::vector<Observer> obs;
  std::vector<std::vector<float>> inputs;
  for (int k = 0; k < 16; ++k) inputs.push_back(rng.floats(4 * 3 * 64, -1.0f, 1.0f));
  for (const auto& x : inputs) run(fp32, x, 4, &obs);
  Graph qdq;
  std::vector<QuantizedTensor> report;
  ASSERT_TRUE(quantize_graph(*fp32, obs, QuantizeOptions(), &qdq, &report).is_ok());
  auto bias_of = [&](const Graph& g) {
    for (const TensorDesc& t : g.tensors) {
      if (t.name == bias) {
        std::vector<int32_t> v(t.data.size() / 4);
        std::memcpy(v.data(), t.data.data(), t.data.size());
        return v;
      }
    }
    return std::vector<int32_t>();
  };
  const std::vector<int32_t> original = bias_of(qdq);
  ASSERT_EQ(original.size(), channels);
  auto correct = [&](Graph* g) {
    BiasCorrection bc(*fp32, *g);
    EXPECT_EQ(bc.sites(), 3u);
    auto m = std::make_shared<Graph>(bc.take_measuring_graph());
    TensorCaptures captures;  // only the tensors the correction reads
    for (const std::string& name : bc.captured_names()) captures[name];
    std::unique_ptr<Executor> ex;
    const Status s = Executor::create(m, {{4, 3, 8, 8}}, &ex, ExecLimits(), {}, nullptr, &captures);
    EXPECT_TRUE(s.is_ok()) << s.message();
    if (!s.is_ok()) return size_t{0};
    for (const auto& x : inputs) {
      std::memcpy(ex->input_data(0), x.data(), x.size() * 4);
      EXPECT_TRUE(ex->run().is_ok());
      bc.add(captures);
    }
    EXPECT_EQ(captures.size(), 6u);  // the 3 sites' fp32 and shadow outputs, nothing else
    return bc.apply(g);
  };
  Graph perturbed = qdq;
  for (TensorDesc& t : perturbed.tensors) {
    if (t.name != bias) continue;
    for (size_t c = 0; c < channels; ++c) {
      int32_t v;
      std::memcpy(&v, t.data.data() + 4 * c, 4);
      v += c % 2 ? 40 : -40;
      std::memcpy(t.data.data() + 4 * c, &v, 4);
    }
  }
  EXPECT_GE(correct(&perturbed), 1u);
  Graph unperturbed = qdq;
  correct(&unperturbed);
  const std::vector<int32_t> restored = bias_of(perturbed), corrected = bias_of(unperturbed);
  for (size_t c = 0; c < channels; ++c) {
    EXPECT_NEAR(restored[c], corrected[c], 1) << bias << " " << c;
    if (small_move) {
      EXPECT_NEAR(corrected[c], original[c], 8) << bias << " " << c;
    }
  }
}

TEST(QuantizeGraph, BiasCorrectionRestoresAPerturbedBias) {
  check_bias_correction("b1.q", 6, 1.0f, true);   // a conv
  check_bias_correction("bf.q", 4, 1.0f, false);  // the Gemm
  check_bias_correction("bf.q", 4, 0.5f, false);  // the Gemm, bias scaled by beta
}

}  // namespace
}  // namespace wi8
