// Kernel-level timing, for iterating on microkernels without the JS layer:
//   cmake --build build/wasm --target wi8_kernels_bench && node build/wasm/wi8_kernels_bench.js
// Prints median ms over 30 runs and GOP/s (2 ops per multiply-add) per case. The op benchmark against
// the peers is bench/ops.mjs (npm run bench:ops).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "kernels/gemm/gemm_s8.h"
#include "ops/conv2d.h"
#include "ops/fully_connected.h"

namespace {

double median_ms(const std::function<void()>& fn, int runs = 30) {
  for (int i = 0; i < 3; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::vector<int8_t> random_int8(size_t n, int lo, int hi) {
  static std::mt19937 gen(1);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(gen));
  return v;
}

void report(const char* name, double macs, double ms) {
  std::printf("%-36s %9.3f ms  %6.1f GOP/s\n", name, ms, 2.0 * macs / ms / 1e6);
}

void bench_conv(const char* name, wi8::Conv2DGeometry g) {
  wi8::Conv2DS8Params p;
  p.geometry = g;
  p.input = {0.02f, -3};
  p.output = {0.1f, 5};
  p.activation = wi8::Activation::relu6();
  wi8::Conv2DGeometry v = g;
  if (!wi8::validate_conv2d("bench", &v).is_ok()) return;
  const size_t patch = v.taps() * (v.in_c / v.groups);
  std::vector<int8_t> w = random_int8(v.out_c * patch, -127, 127);
  std::vector<float> scales(v.out_c, 0.003f);
  std::unique_ptr<wi8::Conv2DS8> op;
  if (!wi8::Conv2DS8::create(p, w.data(), scales.data(), nullptr, &op).is_ok()) return;
  std::vector<int8_t> x = random_int8(op->input_size(), -128, 127), y(op->output_size());
  std::vector<int8_t> ws(op->workspace_size());
  const double ms = median_ms([&] {
    (void)op->run(x.data(), x.size(), y.data(), y.size(), ws.data(), ws.size());
  });
  report(name, static_cast<double>(op->output_size()) * static_cast<double>(patch), ms);
}

wi8::Conv2DGeometry conv(size_t h, size_t cin, size_t cout, size_t k, size_t stride, size_t groups) {
  wi8::Conv2DGeometry g;
  g.in_h = g.in_w = h;
  g.in_c = cin;
  g.out_c = cout;
  g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride;
  g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = k / 2;
  g.groups = groups;
  return g;
}

using GemmFn = void (*)(size_t, const int8_t*, size_t, const wi8::PackedGemmS8&,
                       const wi8::GemmS8Output&, int8_t*, size_t, bool);

void bench_gemm(size_t M, size_t N, size_t K) {
  std::vector<int8_t> w = random_int8(N * K, -127, 127);
  std::vector<int32_t> mult(N, 1 << 30);
  const wi8::PackedGemmS8 packed = wi8::pack_gemm_s8_4c8(N, K, w.data(), nullptr, 3, mult.data());
  const size_t stride = (K + 7) / 8 * 8;
  std::vector<int8_t> x = random_int8(M * stride, -128, 127), y(M * N);
  wi8::GemmS8Output out;
  out.shift = 40;
  const struct {
    const char* name;
    GemmFn fn;
  } variants[] = {{"2x4c8", wi8::gemm_s8_2x4c8__wasmsimd_dot16x2},
                  {"3x4c8", wi8::gemm_s8_3x4c8__wasmsimd_dot16x2},
                  {"4x4c8", wi8::gemm_s8_4x4c8__wasmsimd_dot16x2}};
  for (const auto& v : variants) {
    char name[64];
    std::snprintf(name, sizeof name, "gemm %zux%zux%zu %s", M, N, K, v.name);
    const double ms = median_ms([&] { v.fn(M, x.data(), stride, packed, out, y.data(), N, true); });
    report(name, static_cast<double>(M) * N * K, ms);
  }
}

}  // namespace

int main() {
  bench_gemm(256, 1024, 1024);
  bench_gemm(3136, 64, 576);
  bench_gemm(3136, 144, 24);
  bench_gemm(196, 64, 384);
  bench_gemm(12544, 32, 27);
  {
    wi8::FullyConnectedParams p;
    p.in_features = 1024;
    p.out_features = 1024;
    p.input = {0.02f, -3};
    p.output = {0.5f, 5};
    std::vector<int8_t> w = random_int8(1024 * 1024, -127, 127);
    std::vector<float> scales(1024, 0.003f);
    std::unique_ptr<wi8::FullyConnectedS8> op;
    if (wi8::FullyConnectedS8::create(p, w.data(), scales.data(), nullptr, &op).is_ok()) {
      std::vector<int8_t> x = random_int8(256 * 1024, -128, 127), y(256 * 1024);
      const double ms = median_ms([&] { (void)op->run(x.data(), x.size(), 256, y.data(), y.size()); });
      report("fc_256x1024x1024", 256.0 * 1024 * 1024, ms);
    }
  }
  bench_conv("conv3x3_56x56x64", conv(56, 64, 64, 3, 1, 1));
  bench_conv("dwconv3x3_112x112x32", conv(112, 32, 32, 3, 1, 32));
  bench_conv("conv1x1_56x56x24to144", conv(56, 24, 144, 1, 1, 1));
  bench_conv("conv1x1_14x14x384to64", conv(14, 384, 64, 1, 1, 1));
  bench_conv("dw3x3s2_112x112x96", conv(112, 96, 96, 3, 2, 96));
  bench_conv("dw3x3_14x14x576", conv(14, 576, 576, 3, 1, 576));
  bench_conv("conv3x3s2_224x224x3to32", conv(224, 3, 32, 3, 2, 1));
  return 0;
}
