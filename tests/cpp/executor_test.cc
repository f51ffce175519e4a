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

}  // namespace
}  // namespace wi8
