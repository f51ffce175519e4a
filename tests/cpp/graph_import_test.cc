#include <gtest/gtest.h>

#include <cstring>

#include "graph/graph.h"
#include "onnx_writer.h"

namespace wi8 {
namespace {

using onnx::test::Writer;

Writer tensor_info(const std::string& name, const std::vector<int64_t>& dims) {
  Writer shape;
  for (int64_t d : dims) shape.msg(1, Writer().i(1, d));
  Writer tt;
  tt.i(1, onnx::kFloat).msg(2, shape);
  return Writer().s(1, name).msg(2, Writer().msg(1, tt));
}

Writer node(const std::string& op, const std::vector<std::string>& in,
            const std::vector<std::string>& out, const std::string& name = "") {
  Writer n;
  for (const auto& s : in) n.s(1, s);
  for (const auto& s : out) n.s(2, s);
  if (!name.empty()) n.s(3, name);
  n.s(4, op);
  return n;
}

Writer float_raw(const std::string& name, const std::vector<int64_t>& dims,
                 const std::vector<float>& v) {
  std::vector<uint8_t> raw(v.size() * 4);
  if (!v.empty()) std::memcpy(raw.data(), v.data(), raw.size());
  return Writer().packed(1, dims).i(2, onnx::kFloat).s(8, name).bytes(9, raw);
}

struct ModelSpec {
  std::vector<Writer> nodes, initializers;
  std::vector<std::string> inputs = {"x"};
  std::vector<std::string> outputs = {"y"};
  int64_t opset = 13;
};

Status import(const ModelSpec& spec, Graph* g) {
  Writer gw;
  for (const Writer& n : spec.nodes) gw.msg(1, n);
  for (const Writer& t : spec.initializers) gw.msg(5, t);
  for (const auto& i : spec.inputs) gw.msg(11, tensor_info(i, {1, 4}));
  for (const auto& o : spec.outputs) gw.msg(12, tensor_info(o, {1, 4}));
  Writer m;
  m.i(1, 8).msg(7, gw).msg(8, Writer().s(1, "").i(2, spec.opset));
  std::vector<uint8_t> bytes = m.data();
  onnx::OnnxModel om;
  WI8_RETURN_IF_ERROR(onnx::parse_onnx_model(bytes.data(), bytes.size(), &om));
  // Tensor views point into `bytes`, which import_onnx() copies out of before it returns.
  return import_onnx(om, g);
}

TEST(GraphImport, SortsNodesResolvesTensorsAndDecodesConstants) {
  ModelSpec s;
  // Listed out of order: y = Relu(Add(x, b)); a typed (float_data) initializer and a raw one.
  s.nodes = {node("Relu", {"t"}, {"y"}, "relu"), node("Add", {"x", "b"}, {"t"}, "add")};
  Writer typed;
  typed.packed(1, {1, 4}).i(2, onnx::kFloat).s(8, "b").f(4, 1).f(4, 2).f(4, 3).f(4, 4);
  s.initializers = {typed, float_raw("unused", {2}, {5.0f, 6.0f})};
  Graph g;
  Status st = import(s, &g);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(g.opset, 13);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op, "Add");
  EXPECT_EQ(g.nodes[1].op, "Relu");
  EXPECT_EQ(g.nodes[1].inputs[0], g.nodes[0].outputs[0]);
  const TensorDesc& b = g.tensors[static_cast<size_t>(g.nodes[0].inputs[1])];
  EXPECT_TRUE(b.constant);
  ASSERT_EQ(b.data.size(), 16u);
  float v[4];
  std::memcpy(v, b.data.data(), 16);
  EXPECT_EQ(v[3], 4.0f);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.inputs[0])].name, "x");
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.outputs[0])].name, "y");
}

TEST(GraphImport, HostileGraphsAreRejectedWithNamedErrors) {
  auto message = [](ModelSpec s) {
    Graph g;
    return import(s, &g).message();
  };
  ModelSpec cycle;
  cycle.nodes = {node("Add", {"x", "c"}, {"a"}, "n0"), node("Relu", {"a"}, {"c"}, "n1"),
                 node("Relu", {"a"}, {"y"}, "n2")};
  EXPECT_NE(message(cycle).find("ONNX: the graph has a cycle through node 'n0' (Add, #0)"),
            std::string::npos)
      << message(cycle);

  ModelSpec dangling;
  dangling.nodes = {node("Add", {"x", "nowhere"}, {"y"}, "add")};
  EXPECT_EQ(message(dangling),
            "ONNX: node 'add' (Add, #0): input 'nowhere' is not produced by any node, graph "
            "input or initializer");

  ModelSpec twice;
  twice.nodes = {node("Relu", {"x"}, {"y"}), node("Relu", {"x"}, {"y"})};
  EXPECT_EQ(message(twice),
            "ONNX: tensor 'y' (node '#1' (Relu, #1) output) is defined more than once");

  ModelSpec short_raw;
  short_raw.nodes = {node("Add", {"x", "w"}, {"y"})};
  short_raw.initializers = {float_raw("w", {1, 4}, {1.0f, 2.0f})};
  EXPECT_NE(message(short_raw).find("ONNX: initializer 'w' has 8 bytes of raw_data but its shape "
                                    "[1, 4] (float32) needs 16"),
            std::string::npos)
      << message(short_raw);

  ModelSpec huge;
  huge.nodes = {node("Add", {"x", "w"}, {"y"})};
  huge.initializers = {float_raw("w", {int64_t{1} << 62}, {})};
  EXPECT_NE(message(huge).find("initializer 'w' is larger than the limit"), std::string::npos)
      << message(huge);

  ModelSpec negative;
  negative.nodes = {node("Add", {"x", "w"}, {"y"})};
  negative.initializers = {float_raw("w", {-3}, {})};
  EXPECT_EQ(message(negative), "ONNX: initializer 'w' has a negative dimension (-3)");

  ModelSpec old;
  old.nodes = {node("Relu", {"x"}, {"y"})};
  old.opset = 99;
  EXPECT_EQ(message(old), "ONNX: opset 99 of the default domain is not supported (1 to 21)");

  ModelSpec custom;
  custom.nodes = {node("Relu", {"x"}, {"y"}).s(7, "com.example")};
  EXPECT_NE(message(custom).find("operator domain 'com.example' is not supported"),
            std::string::npos);

  ModelSpec no_out;
  no_out.nodes = {node("Relu", {"x"}, {"z"})};
  EXPECT_EQ(message(no_out), "ONNX: graph output 'y' is not produced by any node");

  ModelSpec bad_type;
  bad_type.nodes = {node("Add", {"x", "s"}, {"y"})};
  bad_type.initializers = {Writer().packed(1, {1}).i(2, 8).s(8, "s")};  // STRING
  EXPECT_NE(message(bad_type).find("has data type 8, which is not supported"), std::string::npos);
}

// Every model of the ONNX node test suite that the reader parses either imports, or is rejected
// for a reason the importer names (an unsupported dtype, opset or domain).
TEST(GraphImport, ImportsTheOnnxNodeTestSuite) {
  const std::string root = "/usr/share/libonnx-testdata/data/node";
  size_t imported = 0, tried = 0;
  for (const char* name :
       {"test_conv_with_strides_padding", "test_relu", "test_add_bcast", "test_maxpool_2d_default",
        "test_gemm_default_single_elem_vector_bias", "test_averagepool_2d_pads",
        "test_softmax_axis_1", "test_qlinearconv", "test_qlinearmatmul_2D",
        "test_globalaveragepool", "test_concat_2d_axis_0"}) {
    FILE* f = std::fopen((root + "/" + name + "/model.onnx").c_str(), "rb");
    ASSERT_NE(f, nullptr) << name << ": apt-get install libonnx-testdata";
    std::vector<uint8_t> bytes;
    int c;
    while ((c = std::fgetc(f)) != EOF) bytes.push_back(static_cast<uint8_t>(c));
    std::fclose(f);
    ++tried;
    onnx::OnnxModel om;
    ASSERT_TRUE(onnx::parse_onnx_model(bytes.data(), bytes.size(), &om).is_ok()) << name;
    Graph g;
    Status s = import_onnx(om, &g);
    EXPECT_TRUE(s.is_ok()) << name << ": " << s.message();
    if (s.is_ok()) ++imported;
  }
  EXPECT_EQ(imported, tried);
}

}  // namespace
}  // namespace wi8
