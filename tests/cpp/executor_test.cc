// Executor edge cases found by fuzzing, run natively under ASan + UBSan in npm test.
#include "graph/executor.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "graph/simplify.h"

namespace wi8 {
namespace {

// MatMul of two run-time tensors whose batch dims broadcast 1 against 0: the output is empty (the
// fuzzer found the batch taken as max(1, 0) = 1, reading past B).
TEST(Executor, MatMulBroadcastsOneAgainstZero) {
  auto g = std::make_shared<Graph>();
  g->opset = 13;
  auto tensor = [&](const std::string& name, std::vector<int64_t> dims) {
    TensorDesc t;
    t.name = name;
    t.has_shape = !dims.empty();
    t.dims = std::move(dims);
    g->tensors.push_back(t);
    return static_cast<int>(g->tensors.size() - 1);
  };
  const int a = tensor("a", {1, 2, 3}), b = tensor("b", {0, 3, 4}), c = tensor("c", {});
  GraphNode n;
  n.name = "mm";
  n.op = "MatMul";
  n.inputs = {a, b};
  n.outputs = {c};
  g->nodes.push_back(n);
  g->inputs = {a, b};
  g->outputs = {c};
  ASSERT_TRUE(simplify_graph(g.get()).is_ok());
  std::unique_ptr<Executor> ex;
  Status s = Executor::create(g, {{1, 2, 3}, {0, 3, 4}}, &ex);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(ex->outputs()[0].shape, (Shape{0, 2, 4}));
  std::memset(ex->input_data(0), 0, ex->input_bytes(0));
  EXPECT_TRUE(ex->run().is_ok());
}

// A QDQ MatMul whose QuantizeLinear (or the Relu after it) declares no output: the fusions must
// leave it unfused instead of reading the missing output (the fuzzer found a null reference in
// QdqFuser::replace, then the activation fusion did the same here; both find their reader through
// sole_reader(), which the BatchNormalization fold uses too).
TEST(Executor, FusionsSkipAReaderWithoutOutputs) {
  for (const bool relu : {false, true}) {
    auto g = std::make_shared<Graph>();
    g->opset = 13;
    auto tensor = [&](const std::string& name, DType dtype, std::vector<int64_t> dims,
                      std::vector<uint8_t> data) {
      TensorDesc t;
      t.name = name;
      t.dtype = dtype;
      t.has_shape = true;
      t.dims = std::move(dims);
      t.constant = !data.empty();
      t.data = std::move(data);
      g->tensors.push_back(t);
      return static_cast<int>(g->tensors.size() - 1);
    };
    auto f32 = [](float v) {
      std::vector<uint8_t> b(4);
      std::memcpy(b.data(), &v, 4);
      return b;
    };
    auto node = [&](const std::string& op, std::vector<int> in, std::vector<int> out) {
      GraphNode n;
      n.name = op;
      n.op = op;
      n.inputs = std::move(in);
      n.outputs = std::move(out);
      g->nodes.push_back(n);
    };
    const int xq = tensor("xq", DType::kInt8, {1, 4}, {});
    const int scale = tensor("scale", DType::kFloat32, {}, f32(0.1f));
    const int zp = tensor("zp", DType::kInt8, {}, {0});
    const int wq = tensor("wq", DType::kInt8, {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    const int x = tensor("x", DType::kFloat32, {1, 4}, {});
    const int w = tensor("w", DType::kFloat32, {4, 2}, {});
    const int y = tensor("y", DType::kFloat32, {1, 2}, {});
    node("DequantizeLinear", {xq, scale, zp}, {x});
    node("DequantizeLinear", {wq, scale, zp}, {w});
    node("MatMul", {x, w}, {y});
    if (relu) {
      node("Relu", {y}, {});
    } else {
      node("QuantizeLinear", {y, scale, zp}, {});
    }
    g->inputs = {xq};
    g->outputs = {x};  // not y: a graph output is never fused
    EXPECT_TRUE(simplify_graph(g.get()).is_ok()) << (relu ? "Relu" : "QuantizeLinear");
  }
}

}  // namespace
}  // namespace wi8
