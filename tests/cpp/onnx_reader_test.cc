#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "model/onnx/onnx_model.h"
#include "onnx_writer.h"

namespace wi8::onnx {
namespace {

using test::Writer;

Writer value_info(const std::string& name, int elem, const std::vector<int64_t>& dims,
                  const std::string& batch_param = "") {
  Writer shape;
  for (size_t k = 0; k < dims.size(); ++k) {
    Writer d;
    if (k == 0 && !batch_param.empty()) {
      d.s(2, batch_param);
    } else {
      d.i(1, dims[k]);
    }
    shape.msg(1, d);
  }
  Writer tt;
  tt.i(1, elem).msg(2, shape);
  Writer type;
  type.msg(1, tt);
  Writer v;
  v.s(1, name).msg(2, type);
  return v;
}

// A one-Conv model: x [N,3,4,4] (N symbolic), w raw float [2,3,1,1], b as float_data [2].
std::vector<uint8_t> conv_model() {
  std::vector<uint8_t> raw(6 * 4);
  for (int k = 0; k < 6; ++k) {
    const float v = 0.5f * static_cast<float>(k);
    std::memcpy(&raw[static_cast<size_t>(k) * 4], &v, 4);
  }
  Writer w;
  w.packed(1, {2, 3, 1, 1}).i(2, kFloat).s(8, "w").bytes(9, raw);
  Writer b;
  b.i(1, 2).i(2, kFloat).s(8, "b").f(4, 1.5f).f(4, -2.0f);  // unpacked dims and float_data
  Writer ks;
  ks.s(1, "kernel_shape").packed(8, {1, 1}).i(20, 7);
  Writer group;
  group.s(1, "group").i(3, 1).i(20, 2);
  Writer alpha;
  alpha.s(1, "alpha").f(2, 0.25f).i(20, 1);
  Writer pad;
  pad.s(1, "auto_pad").s(4, "NOTSET").i(20, 3);
  Writer node;
  node.s(1, "x").s(1, "w").s(1, "b").s(2, "y").s(3, "conv0").s(4, "Conv");
  node.msg(5, ks).msg(5, group).msg(5, alpha).msg(5, pad);
  node.i(99, 12345);  // an unknown field: skipped
  Writer g;
  g.msg(1, node).s(2, "g").msg(5, w).msg(5, b);
  g.msg(11, value_info("x", kFloat, {0, 3, 4, 4}, "N"))
      .msg(12, value_info("y", kFloat, {0, 2, 4, 4}, "N"));
  Writer opset;
  opset.s(1, "").i(2, 13);
  Writer m;
  m.i(1, 8).s(2, "test").msg(7, g).msg(8, opset);
  return m.data();
}

TEST(OnnxReader, ParsesEveryFieldItUses) {
  const std::vector<uint8_t> bytes = conv_model();
  OnnxModel m;
  Status s = parse_onnx_model(bytes.data(), bytes.size(), &m);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(m.ir_version, 8);
  EXPECT_EQ(m.producer_name, "test");
  ASSERT_EQ(m.opset_imports.size(), 1u);
  EXPECT_EQ(m.opset_imports[0].version, 13);
  const Graph& g = m.graph;
  EXPECT_EQ(g.name, "g");
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& n = g.nodes[0];
  EXPECT_EQ(n.op_type, "Conv");
  EXPECT_EQ(n.name, "conv0");
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"x", "w", "b"}));
  EXPECT_EQ(n.outputs, (std::vector<std::string>{"y"}));
  ASSERT_EQ(n.attributes.size(), 4u);
  EXPECT_EQ(n.attributes[0].type, AttributeType::kInts);
  EXPECT_EQ(n.attributes[0].ints, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(n.attributes[1].i, 1);
  EXPECT_FLOAT_EQ(n.attributes[2].f, 0.25f);
  EXPECT_EQ(n.attributes[3].s, "NOTSET");
  ASSERT_EQ(g.initializers.size(), 2u);
  const Tensor& w = g.initializers[0];
  EXPECT_EQ(w.dims, (std::vector<int64_t>{2, 3, 1, 1}));
  EXPECT_EQ(w.data_type, kFloat);
  ASSERT_EQ(w.raw_data.size, 24u);
  float last;
  std::memcpy(&last, w.raw_data.data + 20, 4);
  EXPECT_FLOAT_EQ(last, 2.5f);
  EXPECT_EQ(g.initializers[1].float_data, (std::vector<float>{1.5f, -2.0f}));
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0].name, "x");
  EXPECT_EQ(g.inputs[0].dims, (std::vector<int64_t>{-1, 3, 4, 4}));
  EXPECT_EQ(g.inputs[0].dim_params[0], "N");
  EXPECT_EQ(g.outputs[0].dims[1], 2);
}

// Every prefix of a valid model is either a valid model or a clean error; never a crash or a read
// past the end (the sanitizer build checks the latter).
TEST(OnnxReader, EveryTruncationFailsCleanly) {
  const std::vector<uint8_t> bytes = conv_model();
  size_t errors = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(n));
    OnnxModel m;
    Status s = parse_onnx_model(prefix.data(), prefix.size(), &m);
    if (!s.is_ok()) {
      ++errors;
      EXPECT_EQ(s.message().rfind("ONNX: ", 0), 0u) << s.message();
    }
  }
  EXPECT_GT(errors, bytes.size() / 2);
}

TEST(OnnxReader, RandomBytesNeverCrash) {
  std::mt19937 gen(7);
  std::vector<uint8_t> base = conv_model();
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> b = base;
    const int flips = 1 + static_cast<int>(gen() % 8);
    for (int k = 0; k < flips; ++k) b[gen() % b.size()] = static_cast<uint8_t>(gen());
    OnnxModel m;
    (void)parse_onnx_model(b.data(), b.size(), &m);
  }
  for (int trial = 0; trial < 1000; ++trial) {
    std::vector<uint8_t> b(gen() % 200);
    for (auto& x : b) x = static_cast<uint8_t>(gen());
    OnnxModel m;
    (void)parse_onnx_model(b.data(), b.size(), &m);
  }
}

TEST(OnnxReader, ErrorsNameTheProblemAndTheOffset) {
  OnnxModel m;
  EXPECT_EQ(parse_onnx_model(nullptr, 0, &m).message(), "ONNX: the model is empty (0 bytes)");
  Writer no_graph;
  no_graph.i(1, 8);
  EXPECT_EQ(parse_onnx_model(no_graph.data().data(), no_graph.data().size(), &m).message(),
            "ONNX: the model has no graph (ModelProto.graph)");
  Writer wrong_type;  // ir_version as a string
  wrong_type.s(1, "eight");
  EXPECT_EQ(parse_onnx_model(wrong_type.data().data(), wrong_type.data().size(), &m).message(),
            "ONNX: byte offset 1: ModelProto.ir_version: expected a varint, got a "
            "length-delimited value");
  Writer ext_tensor;
  ext_tensor.s(8, "w").msg(13, Writer().s(1, "location").s(2, "w.bin"));
  Writer g;
  g.msg(5, ext_tensor);
  Writer model;
  model.i(1, 8).msg(7, g);
  const std::string msg = parse_onnx_model(model.data().data(), model.data().size(), &m).message();
  EXPECT_NE(msg.find("tensor 'w' stores its data in an external file"), std::string::npos) << msg;
  Writer big_len;  // a graph field claiming 1000 bytes with 2 left
  big_len.key(7, 2).varint(1000).varint(1).varint(2);
  EXPECT_EQ(parse_onnx_model(big_len.data().data(), big_len.data().size(), &m).message(),
            "ONNX: byte offset 3: length 1000 runs past the end of its message (2 bytes left)");
}

TEST(OnnxReader, LimitsStopHugeModels) {
  Writer g;
  for (int k = 0; k < 20; ++k) g.msg(1, Writer().s(4, "Relu"));
  Writer m;
  m.msg(7, g);
  ParseLimits limits;
  limits.max_nodes = 10;
  OnnxModel out;
  const std::string msg =
      parse_onnx_model(m.data().data(), m.data().size(), &out, limits).message();
  EXPECT_NE(msg.find("GraphProto: more than 10 nodes"), std::string::npos) << msg;
}

}  // namespace
}  // namespace wi8::onnx

#include <filesystem>
#include <fstream>
#include <iterator>

namespace wi8::onnx {
namespace {

std::vector<uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// Every model and tensor file of the ONNX node test suite (Debian's libonnx-testdata, which
// `npm test` installs) parses, or fails with one of the documented "not supported" errors.
TEST(OnnxReader, ParsesTheOnnxNodeTestSuite) {
  const std::filesystem::path root = "/usr/share/libonnx-testdata/data/node";
  ASSERT_TRUE(std::filesystem::is_directory(root))
      << root << " is missing: apt-get install libonnx-testdata";
  size_t models = 0, parsed = 0, tensors = 0;
  for (const auto& dir : std::filesystem::directory_iterator(root)) {
    const auto model_path = dir.path() / "model.onnx";
    if (!std::filesystem::exists(model_path)) continue;
    ++models;
    const std::vector<uint8_t> bytes = read_file(model_path);
    OnnxModel m;
    Status s = parse_onnx_model(bytes.data(), bytes.size(), &m);
    if (s.is_ok()) {
      ++parsed;
      EXPECT_FALSE(m.graph.nodes.empty()) << model_path;
      for (const Node& n : m.graph.nodes) EXPECT_FALSE(n.op_type.empty()) << model_path;
      EXPECT_FALSE(m.opset_imports.empty()) << model_path;
    } else {
      EXPECT_NE(s.message().find("not supported"), std::string::npos)
          << model_path << ": " << s.message();
    }
    const auto data_set = dir.path() / "test_data_set_0";
    if (!std::filesystem::is_directory(data_set)) continue;
    for (const auto& f : std::filesystem::directory_iterator(data_set)) {
      const std::vector<uint8_t> tb = read_file(f.path());
      Tensor t;
      Status ts = parse_onnx_tensor(tb.data(), tb.size(), &t);
      if (ts.is_ok()) ++tensors;
    }
  }
  EXPECT_GT(models, 900u);
  EXPECT_GT(parsed, models * 9 / 10) << parsed << " of " << models;
  EXPECT_GT(tensors, 2000u);
  std::printf("parsed %zu of %zu ONNX node-test models, %zu test tensors\n", parsed, models,
              tensors);
}

}  // namespace
}  // namespace wi8::onnx
