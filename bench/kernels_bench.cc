// Kernel-level timing, for iterating on microkernels without the JS layer:
//   cmake --build build/wasm --target wi8_kernels_bench && node build/wasm/wi8_kernels_bench.js
// Prints median ms over 30 runs and GOP/s (2 ops per multiply-add) per case. The op benchmark
// against the peers is bench/ops.mjs (npm run bench:ops).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/conv/conv_geometry.h"
#include "kernels/dwconv/dwconv_f32.h"
#include "kernels/gemm/gemm_f32.h"
#include "kernels/gemm/gemm_s8.h"
#include "ops/conv2d.h"
#include "ops/conv2d_f32.h"
#include "ops/fully_connected.h"
#include "ops/fully_connected_f32.h"

namespace {

double median_ms(const std::function<void()>& fn, int runs = 30) {
  for (int i = 0; i < 3; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
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
  const double ms = median_ms(
      [&] { (void)op->run(x.data(), x.size(), y.data(), y.size(), ws.data(), ws.size()); });
  report(name, static_cast<double>(op->output_size()) * static_cast<double>(patch), ms);
}

wi8::Conv2DGeometry conv(size_t h, size_t cin, size_t cout, size_t k, size_t stride,
                         size_t groups) {
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
                        const wi8::GemmS8Output&, int8_t*, size_t, bool, size_t, size_t);

// The requantization shift of the GEMM cases (`wi8_kernels_bench gemm S`); the ops pick 32.
int g_gemm_shift = 32;

void bench_gemm(size_t M, size_t N, size_t K) {
  std::vector<int8_t> w = random_int8(N * K, -127, 127);
  std::vector<int32_t> mult(N, 1 << 30);
  const wi8::PackedGemmS8 packed = wi8::pack_gemm_s8(N, K, w.data(), nullptr, 3, mult.data());
  const size_t stride = (K + 7) / 8 * 8;
  std::vector<int8_t> x = random_int8(M * stride, -128, 127), y(M * N);
  wi8::GemmS8Output out;
  out.shift = g_gemm_shift;
  const struct {
    const char* name;
    GemmFn fn;
  } variants[] = {{"2x8c2", wi8::gemm_s8_2x8c2__wasmsimd_dot16x2},
                  {"4x8c2", wi8::gemm_s8_4x8c2__wasmsimd_dot16x2},
                  {"packed", wi8::gemm_s8_packed}};
  for (const auto& v : variants) {
    char name[64];
    std::snprintf(name, sizeof name, "gemm %zux%zux%zu %s", M, N, K, v.name);
    const double ms = median_ms([&] {
      v.fn(M, x.data(), stride, packed, out, y.data(), N, true, 0, wi8::kGemmAllChannels);
    });
    report(name, static_cast<double>(M) * N * K, ms);
  }
}

// ---- fp32: the same shapes through the fp32 kernels and ops, in GFLOP/s (2 per multiply-add) ----

std::vector<float> random_f32(size_t n) {
  static std::mt19937 gen(2);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

void report_f32(const char* name, double macs, double ms) {
  std::printf("%-36s %9.3f ms  %6.1f GFLOP/s\n", name, ms, 2.0 * macs / ms / 1e6);
}

// Every fp32 GEMM microkernel on one shape (x rows of exactly K floats).
void bench_gemm_f32(size_t M, size_t N, size_t K) {
  std::vector<float> w = random_f32(N * K), bias = random_f32(N);
  std::vector<float> x = random_f32(M * K), y(M * N);
  const struct {
    const char* name;
    wi8::GemmF32Fn fn;
    size_t nr;
  } variants[] = {{"4x8 splat", wi8::gemm_f32_4x8__wasmsimd_splat, 8},
                  {"4x8 loadsplat", wi8::gemm_f32_4x8__wasmsimd_loadsplat, 8},
                  {"3x8 loadsplat", wi8::gemm_f32_3x8__wasmsimd_loadsplat, 8},
                  {"2x16 loadsplat", wi8::gemm_f32_2x16__wasmsimd_loadsplat, 16}};
  for (const auto& v : variants) {
    const wi8::PackedGemmF32 packed = wi8::pack_gemm_f32(N, K, w.data(), bias.data(), v.nr);
    char name[64];
    std::snprintf(name, sizeof name, "f32 gemm %zux%zux%zu %s", M, N, K, v.name);
    const double ms = median_ms([&] { v.fn(M, x.data(), K, packed, 0.0f, 6.0f, y.data(), N); });
    report_f32(name, static_cast<double>(M) * N * K, ms);
  }
}

void bench_fc_f32(size_t batch, size_t in, size_t out) {
  wi8::FullyConnectedF32Params p;
  p.in_features = in;
  p.out_features = out;
  std::vector<float> w = random_f32(in * out), bias = random_f32(out);
  std::unique_ptr<wi8::FullyConnectedF32> op;
  if (!wi8::FullyConnectedF32::create(p, w.data(), bias.data(), &op).is_ok()) return;
  std::vector<float> x = random_f32(batch * in), y(batch * out);
  const double ms =
      median_ms([&] { (void)op->run(x.data(), x.size(), batch, y.data(), y.size()); });
  char name[64];
  std::snprintf(name, sizeof name, "f32 fc_%zux%zux%zu", batch, in, out);
  report_f32(name, static_cast<double>(batch) * in * out, ms);
}

void bench_conv_f32(const char* name, wi8::Conv2DGeometry g) {
  wi8::Conv2DF32Params p;
  p.geometry = g;
  p.activation = wi8::Activation::relu6();
  wi8::Conv2DGeometry v = g;
  if (!wi8::validate_conv2d("bench", &v).is_ok()) return;
  const size_t patch = v.taps() * (v.in_c / v.groups);
  std::vector<float> w = random_f32(v.out_c * patch), bias = random_f32(v.out_c);
  std::unique_ptr<wi8::Conv2DF32> op;
  if (!wi8::Conv2DF32::create(p, w.data(), bias.data(), &op).is_ok()) return;
  std::vector<float> x = random_f32(op->input_size()), y(op->output_size());
  std::vector<float> ws(op->workspace_size());
  const double ms = median_ms(
      [&] { (void)op->run(x.data(), x.size(), y.data(), y.size(), ws.data(), ws.size()); });
  char full[96];
  std::snprintf(full, sizeof full, "f32 %s", name);
  report_f32(full, static_cast<double>(op->output_size()) * static_cast<double>(patch), ms);
}

// Every fp32 depthwise kernel variant on one (depthwise) geometry.
void bench_dw_f32(const char* name, wi8::Conv2DGeometry g) {
  if (!wi8::validate_conv2d("bench", &g).is_ok()) return;
  const size_t C = g.in_c;
  std::vector<float> w = random_f32(g.taps() * C), bias = random_f32(C), zero(C, 0.0f);
  std::vector<float> x = random_f32(g.batch * g.in_image()), y(g.batch * g.out_image());
  const std::vector<int32_t> ind = wi8::conv_indirection(g);
  const struct {
    const char* name;
    wi8::DwConvF32Fn fn;
    size_t cb;
  } variants[] = {{"c8", wi8::dwconv_f32_c8__wasmsimd, 8},
                  {"9tap_c4_p16", wi8::dwconv_f32_9tap_c4_p16__wasmsimd, 4}};
  for (const auto& v : variants) {
    if (v.cb == 4 && g.taps() != 9) continue;
    const wi8::PackedDwF32 packed = wi8::pack_dwconv_f32(C, g.taps(), w.data(), bias.data(), v.cb);
    const double ms = median_ms(
        [&] { v.fn(g, ind.data(), x.data(), zero.data(), packed, 0.0f, 6.0f, y.data()); });
    char full[96];
    std::snprintf(full, sizeof full, "f32 %s %s", name, v.name);
    report_f32(full, static_cast<double>(g.batch * g.out_image()) * g.taps(), ms);
  }
}

void bench_im2col(const char* name, wi8::Conv2DGeometry g) {
  if (!wi8::validate_conv2d("bench", &g).is_ok()) return;
  const size_t patch = g.taps() * g.in_c, row = (patch + 7) / 8 * 8;
  std::vector<int8_t> x = random_int8(g.in_image(), -128, 127), ws(g.out_pixels() * row);
  const double ms = median_ms([&] { wi8::im2col_nhwc(g, 0, x.data(), int8_t{3}, ws.data(), row); });
  std::printf("%-36s %9.3f ms\n", name, ms);
  const size_t half = g.out_pixels() / 2;
  const double ms_half = median_ms(
      [&] { wi8::im2col_nhwc(g, 0, x.data(), int8_t{3}, ws.data(), row, half, g.out_pixels()); });
  std::printf("%-36s %9.3f ms (second half of the rows)\n", name, ms_half);
}

// Every int8 GEMM microkernel on the shapes that decide which one the ops use.
void bench_gemm_s8_shapes() {
  bench_gemm(256, 1024, 1024);
  bench_gemm(3136, 64, 576);
  bench_gemm(3136, 144, 24);
  bench_gemm(196, 64, 384);
  bench_gemm(12544, 32, 27);
  bench_gemm(12544, 96, 16);
  bench_gemm(784, 192, 32);
  bench_gemm(12544, 16, 32);
  bench_gemm(3136, 24, 96);
  bench_gemm(3136, 24, 144);
  bench_gemm(784, 192, 48);
  bench_gemm(784, 192, 64);
  bench_gemm(196, 384, 64);
  bench_gemm(784, 16, 9);
  bench_gemm(196, 64, 16);
  bench_gemm(196, 576, 96);
  bench_gemm(784, 32, 192);
  bench_gemm(49, 960, 160);
  bench_gemm(49, 320, 960);
  bench_gemm(1, 1000, 1280);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) g_gemm_shift = std::atoi(argv[2]);
  bench_gemm_s8_shapes();
  if (argc > 1 && std::string(argv[1]) == "gemm") return 0;  // only the int8 GEMM cases
  bench_im2col("im2col 224x224x3 3x3s2", conv(224, 3, 32, 3, 2, 1));
  bench_im2col("im2col 28x28x1 3x3s2", conv(28, 1, 16, 3, 2, 1));
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
      const double ms =
          median_ms([&] { (void)op->run(x.data(), x.size(), 256, y.data(), y.size()); });
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
  bench_conv("conv3x3_28x28x1to16", conv(28, 1, 16, 3, 1, 1));
  bench_conv("conv3x3s2_28x28x1to16", conv(28, 1, 16, 3, 2, 1));
  bench_conv("conv1x1_14x14x16to64", conv(14, 16, 64, 1, 1, 1));
  bench_gemm_f32(256, 1024, 1024);
  bench_gemm_f32(3136, 64, 576);
  bench_gemm_f32(3136, 144, 24);
  bench_gemm_f32(196, 64, 384);
  bench_gemm_f32(3136, 24, 144);
  bench_gemm_f32(49, 1280, 320);
  bench_gemm_f32(1, 1000, 1280);
  bench_fc_f32(256, 1024, 1024);
  bench_fc_f32(1, 1280, 1000);
  bench_conv_f32("conv3x3_56x56x64", conv(56, 64, 64, 3, 1, 1));
  bench_conv_f32("dwconv3x3_112x112x32", conv(112, 32, 32, 3, 1, 32));
  bench_conv_f32("conv1x1_56x56x24to144", conv(56, 24, 144, 1, 1, 1));
  bench_conv_f32("conv1x1_56x56x144to24", conv(56, 144, 24, 1, 1, 1));
  bench_conv_f32("conv1x1_14x14x384to64", conv(14, 384, 64, 1, 1, 1));
  bench_conv_f32("conv1x1_7x7x320to1280", conv(7, 320, 1280, 1, 1, 1));
  bench_conv_f32("dw3x3s2_112x112x96", conv(112, 96, 96, 3, 2, 96));
  bench_conv_f32("dw3x3_14x14x576", conv(14, 576, 576, 3, 1, 576));
  bench_conv_f32("conv3x3s2_224x224x3to32", conv(224, 3, 32, 3, 2, 1));
  bench_conv_f32("conv3x3_28x28x1to16", conv(28, 1, 16, 3, 1, 1));
  bench_conv_f32("conv3x3s2_28x28x1to16", conv(28, 1, 16, 3, 2, 1));
  bench_conv_f32("conv1x1_14x14x16to64", conv(14, 16, 64, 1, 1, 1));
  bench_dw_f32("dw3x3_112x112x32", conv(112, 32, 32, 3, 1, 32));
  bench_dw_f32("dw3x3s2_112x112x96", conv(112, 96, 96, 3, 2, 96));
  bench_dw_f32("dw3x3_14x14x576", conv(14, 576, 576, 3, 1, 576));
  bench_dw_f32("dw5x5_14x14x576", conv(14, 576, 576, 5, 1, 576));
  return 0;
}
