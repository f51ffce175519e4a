// The ONNX node tests (Debian's libonnx-testdata) that the project supports, run natively and as
// wasm through the C++ executor: model.onnx -> reader -> graph -> passes -> executor, inputs and
// expected outputs from test_data_set_0/*.pb. The same list (tests/conformance/node_tests.txt) runs
// through the JavaScript API in tests/js/conformance.test.mjs, which is the acceptance check; this
// one adds the native sanitizer runs. Floats must match within 1e-4 (absolute, or relative for
// values above 1), integers exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/simplify.h"
#include "model/onnx/onnx_model.h"

#ifndef WI8_SOURCE_DIR
#error "WI8_SOURCE_DIR must name the repository root"
#endif

namespace wi8 {
namespace {

const char* kRoot = "/usr/share/libonnx-testdata/data/node/";

bool read_file(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

struct NodeTest {
  std::string name;
  std::vector<size_t> frozen;  // inputs given as constants at plan time (weights, shapes)
};

// Lines: "test_name" or "test_name frozen=1,2" (see the file's header).
std::vector<NodeTest> supported_tests() {
  std::ifstream f(std::string(WI8_SOURCE_DIR) + "/tests/conformance/node_tests.txt");
  std::vector<NodeTest> tests;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    NodeTest t;
    const size_t sp = line.find(' ');
    t.name = line.substr(0, sp);
    const size_t eq = line.find("frozen=");
    if (eq != std::string::npos) {
      for (size_t p = eq + 7; p < line.size(); p = line.find(',', p) + 1) {
        t.frozen.push_back(static_cast<size_t>(std::stoul(line.substr(p))));
        if (line.find(',', p) == std::string::npos) break;
      }
    }
    tests.push_back(t);
  }
  return tests;
}

// Runs one node test; returns "" when it passes, else what went wrong.
std::string run_node_test(const std::string& name, const std::vector<size_t>& frozen_inputs) {
  const std::string dir = kRoot + name + "/";
  std::vector<uint8_t> bytes;
  if (!read_file(dir + "model.onnx", &bytes)) return "cannot read " + dir + "model.onnx";
  onnx::OnnxModel model;
  Status s = onnx::parse_onnx_model(bytes.data(), bytes.size(), &model);
  if (!s.is_ok()) return s.message();
  auto g = std::make_shared<Graph>();
  s = import_onnx(model, g.get());
  if (!s.is_ok()) return s.message();
  s = simplify_graph(g.get());
  if (!s.is_ok()) return s.message();
  std::vector<onnx::Tensor> inputs;
  std::vector<std::vector<uint8_t>> input_bytes(g->inputs.size());
  std::vector<Shape> shapes;
  for (size_t i = 0; i < g->inputs.size(); ++i) {
    const std::string path = dir + "test_data_set_0/input_" + std::to_string(i) + ".pb";
    if (!read_file(path, &input_bytes[i])) return "cannot read " + path;
    onnx::Tensor t;
    s = onnx::parse_onnx_tensor(input_bytes[i].data(), input_bytes[i].size(), &t);
    if (!s.is_ok()) return s.message();
    shapes.emplace_back(t.dims.begin(), t.dims.end());
    inputs.push_back(t);
  }
  std::vector<TensorDesc> decoded(inputs.size());
  std::vector<const TensorDesc*> frozen(inputs.size(), nullptr);
  for (size_t i = 0; i < inputs.size(); ++i) {
    s = decode_onnx_tensor(inputs[i], "input " + std::to_string(i), &decoded[i]);
    if (!s.is_ok()) return s.message();
  }
  for (size_t i : frozen_inputs) {
    if (i < inputs.size()) frozen[i] = &decoded[i];
  }
  std::unique_ptr<Executor> ex;
  s = Executor::create(g, shapes, &ex, ExecLimits(), frozen);
  if (!s.is_ok()) return s.message();
  for (size_t i = 0, slot = 0; i < inputs.size(); ++i) {
    if (frozen[i]) continue;
    const std::vector<uint8_t>& data = decoded[i].data;
    if (data.size() != ex->input_bytes(slot))
      return "input " + std::to_string(i) + " size mismatch";
    if (!data.empty()) std::memcpy(ex->input_data(slot), data.data(), data.size());
    ++slot;
  }
  s = ex->run();
  if (!s.is_ok()) return s.message();
  for (size_t o = 0; o < ex->outputs().size(); ++o) {
    const std::string path = dir + "test_data_set_0/output_" + std::to_string(o) + ".pb";
    std::vector<uint8_t> ob;
    if (!read_file(path, &ob)) return "cannot read " + path;
    onnx::Tensor t;
    s = onnx::parse_onnx_tensor(ob.data(), ob.size(), &t);
    if (!s.is_ok()) return s.message();
    TensorDesc wd;
    s = decode_onnx_tensor(t, "output " + std::to_string(o), &wd);
    if (!s.is_ok()) return s.message();
    const std::vector<uint8_t>& want = wd.data;
    const ExecTensor& got = ex->outputs()[o];
    if (Shape(t.dims.begin(), t.dims.end()) != got.shape) {
      return "output " + std::to_string(o) + " shape " + shape_string(got.shape) + ", expected " +
             shape_string(Shape(t.dims.begin(), t.dims.end()));
    }
    if (want.size() != ex->output_bytes(o)) return "output " + std::to_string(o) + " dtype differs";
    const uint8_t* p = ex->output_data(o);
    if (got.dtype == DType::kFloat32) {
      for (size_t k = 0; k < want.size() / 4; ++k) {
        float a, b;
        std::memcpy(&a, p + 4 * k, 4);
        std::memcpy(&b, want.data() + 4 * k, 4);
        const bool both_nan = std::isnan(a) && std::isnan(b);
        if (!both_nan && !(std::fabs(a - b) <= 1e-4f * std::max(1.0f, std::fabs(b)))) {
          return "output " + std::to_string(o) + "[" + std::to_string(k) +
                 "] = " + std::to_string(a) + ", expected " + std::to_string(b);
        }
      }
    } else if (!want.empty() && std::memcmp(p, want.data(), want.size()) != 0) {
      return "output " + std::to_string(o) + " differs";
    }
  }
  return "";
}

// WI8_NODE_TESTS_PROBE=prefix[,prefix...] runs every node test whose name starts with a prefix
// instead, printing each result: how the supported list is grown.
std::vector<std::string> probe_tests(const std::string& prefixes) {
  std::vector<std::string> out;
  std::vector<std::string> all;
  for (const auto& e : std::filesystem::directory_iterator(kRoot)) {
    all.push_back(e.path().filename().string());
  }
  std::sort(all.begin(), all.end());
  size_t start = 0;
  while (start <= prefixes.size()) {
    size_t end = prefixes.find(',', start);
    if (end == std::string::npos) end = prefixes.size();
    const std::string p = prefixes.substr(start, end - start);
    for (const std::string& n : all) {
      if (!p.empty() && n.rfind(p, 0) == 0) out.push_back(n);
    }
    start = end + 1;
  }
  return out;
}

TEST(OnnxNodeTests, SupportedListPasses) {
  const char* probe = std::getenv("WI8_NODE_TESTS_PROBE");
  if (probe) {
    // Probing tries each test as it is, then with every input after the first frozen.
    for (const std::string& n : probe_tests(probe)) {
      std::string err = run_node_test(n, {});
      std::string how;
      if (!err.empty()) {
        std::vector<size_t> rest;
        for (size_t i = 1; i < 8; ++i) rest.push_back(i);
        const std::string frozen_err = run_node_test(n, rest);
        if (frozen_err.empty()) {
          err.clear();
          how = " frozen=1..";
        } else {
          err += " | frozen: " + frozen_err;
        }
      }
      std::printf("%s %s%s %s\n", err.empty() ? "PASS" : "FAIL", n.c_str(), how.c_str(),
                  err.c_str());
    }
    return;
  }
  const std::vector<NodeTest> names = supported_tests();
  ASSERT_GT(names.size(), 50u) << "tests/conformance/node_tests.txt not found or short";
  size_t passed = 0;
  for (const NodeTest& t : names) {
    const std::string err = run_node_test(t.name, t.frozen);
    EXPECT_EQ(err, "") << t.name;
    passed += err.empty();
  }
  std::printf("%zu/%zu node tests passed\n", passed, names.size());
}

}  // namespace
}  // namespace wi8
