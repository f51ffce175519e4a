#include "ops/pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/pool/pool.h"
#include "test_util.h"

namespace wi8 {
namespace {

std::string describe(const Pool2DGeometry& g) {
  std::ostringstream s;
  s << "N" << g.batch << " " << g.in_h << "x" << g.in_w << "x" << g.channels << " k" << g.kernel_h
    << "x" << g.kernel_w << " s" << g.stride_h << "," << g.stride_w << " d" << g.dilation_h << ","
    << g.dilation_w << " p" << g.pad_top << "," << g.pad_left << "," << g.pad_bottom << ","
    << g.pad_right << (g.ceil_mode ? " ceil" : "") << " -> " << g.out_h << "x" << g.out_w;
  return s.str();
}

Pool2DGeometry geometry(size_t n, size_t h, size_t w, size_t c, size_t k, size_t stride, size_t pad,
                        bool ceil_mode = false) {
  Pool2DGeometry g;
  g.batch = n;
  g.in_h = h;
  g.in_w = w;
  g.channels = c;
  g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride;
  g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = pad;
  g.ceil_mode = ceil_mode;
  return g;
}

// Random valid geometries over the edge sizes: channels 1..33, kernels 1..4, strides 1..3, every
// other field random (asymmetric pads, dilation 1-2, batch 1-2, ceil_mode). Calls check(g).
template <class Check>
void for_edge_geometries(uint32_t seed, Check check) {
  test::Rng rng(seed);
  int tested = 0;
  for (size_t c = 1; c <= 33; ++c) {
    for (size_t k = 1; k <= 4; ++k) {
      for (size_t stride = 1; stride <= 3; ++stride) {
        for (int attempt = 0; attempt < 200; ++attempt) {
          Pool2DGeometry g;
          g.batch = static_cast<size_t>(rng.int_in(1, 2));
          g.channels = c;
          g.kernel_h = k;
          g.kernel_w = static_cast<size_t>(rng.int_in(1, 4));
          g.stride_h = stride;
          g.stride_w = static_cast<size_t>(rng.int_in(1, 3));
          g.dilation_h = static_cast<size_t>(rng.int_in(1, 2));
          g.dilation_w = static_cast<size_t>(rng.int_in(1, 2));
          g.pad_top = static_cast<size_t>(rng.int_in(0, 2));
          g.pad_left = static_cast<size_t>(rng.int_in(0, 2));
          g.pad_bottom = static_cast<size_t>(rng.int_in(0, 2));
          g.pad_right = static_cast<size_t>(rng.int_in(0, 2));
          g.ceil_mode = rng.int_in(0, 1) == 1;
          g.in_h = static_cast<size_t>(rng.int_in(1, 9));
          g.in_w = static_cast<size_t>(rng.int_in(1, 9));
          if (!validate_pool2d("t", &g).is_ok()) continue;  // e.g. a window of padding only
          check(g);
          ++tested;
          break;
        }
      }
    }
  }
  EXPECT_EQ(tested, 33 * 4 * 3);  // every combination found a valid geometry
}

// fp32 kernels are bit-exact today; the check allows 1e-5 relative so a kernel may reorder sums.
void expect_close(const std::vector<float>& want, const std::vector<float>& got,
                  const std::string& what) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      ASSERT_TRUE(std::isnan(got[i])) << what << " at " << i;
      continue;
    }
    ASSERT_LE(std::fabs(want[i] - got[i]), 1e-5f * std::max(1.0f, std::fabs(want[i])))
        << what << " at " << i << ": " << want[i] << " vs " << got[i];
  }
}

// Per-divisor requantization tables, as AveragePool2DS8 builds them.
struct AvgTables {
  std::vector<int32_t> multiplier, shift;
  AvgPoolS8Params params(int32_t x_zp, int32_t y_zp, bool include_pad) const {
    AvgPoolS8Params p;
    p.input_zero_point = x_zp;
    p.output_zero_point = y_zp;
    p.count_include_pad = include_pad;
    p.multiplier = multiplier.data();
    p.shift = shift.data();
    return p;
  }
};
AvgTables avg_tables(size_t taps, float s_in, float s_out) {
  AvgTables t;
  t.multiplier.assign(taps + 1, 0);
  t.shift.assign(taps + 1, 31);
  for (size_t d = 1; d <= taps; ++d) {
    const double real =
        static_cast<double>(s_in) / (static_cast<double>(s_out) * static_cast<double>(d));
    Requantization rq;
    EXPECT_TRUE(compute_requantization(&real, 1, &rq).is_ok());
    t.multiplier[d] = rq.multiplier[0];
    t.shift[d] = rq.shift;
  }
  return t;
}

// ---- SIMD kernels vs references

TEST(PoolKernels, MaxPoolS8SimdIsBitExactWithReference) {
  test::Rng rng(11);
  for_edge_geometries(1, [&](const Pool2DGeometry& g) {
    std::vector<int8_t> x = rng.int8s(g.batch * g.in_image());
    std::vector<int8_t> want(g.batch * g.out_image()), got(want.size(), 99);
    maxpool_s8_reference(g, x.data(), want.data());
    maxpool_s8_c16__wasmsimd(g, x.data(), got.data());
    ASSERT_EQ(want, got) << describe(g);
  });
}

TEST(PoolKernels, MaxPoolF32SimdMatchesReference) {
  test::Rng rng(12);
  for_edge_geometries(2, [&](const Pool2DGeometry& g) {
    std::vector<float> x = rng.floats(g.batch * g.in_image(), -10.0f, 10.0f);
    std::vector<float> want(g.batch * g.out_image()), got(want.size(), 99.0f);
    maxpool_f32_reference(g, x.data(), want.data());
    maxpool_f32_c4__wasmsimd(g, x.data(), got.data());
    expect_close(want, got, describe(g));
  });
}

TEST(PoolKernels, AvgPoolS8SimdIsBitExactWithReference) {
  test::Rng rng(13);
  for_edge_geometries(3, [&](const Pool2DGeometry& g) {
    const float s_in = rng.uniform(0.01f, 0.1f), s_out = rng.uniform(0.005f, 0.2f);
    const AvgTables t = avg_tables(g.taps(), s_in, s_out);
    std::vector<int8_t> x = rng.int8s(g.batch * g.in_image());
    for (bool include_pad : {false, true}) {
      const AvgPoolS8Params p = t.params(rng.int_in(-128, 127), rng.int_in(-128, 127), include_pad);
      std::vector<int8_t> want(g.batch * g.out_image()), got(want.size(), 99);
      avgpool_s8_reference(g, p, x.data(), want.data());
      avgpool_s8_c16__wasmsimd(g, p, x.data(), got.data());
      ASSERT_EQ(want, got) << describe(g) << (include_pad ? " count_include_pad" : "");
    }
  });
}

// Windows of more than 256 taps exercise the int16 partial sums' flush in the SIMD kernel.
TEST(PoolKernels, AvgPoolS8LargeWindowsAreBitExact) {
  test::Rng rng(14);
  for (size_t c : {1, 16, 19, 32}) {
    for (size_t k : {16, 17, 23}) {
      Pool2DGeometry g = geometry(1, k + 2, k + 1, c, k, 2, 1, true);
      ASSERT_TRUE(validate_pool2d("t", &g).is_ok());
      const AvgTables t = avg_tables(g.taps(), 0.05f, 0.04f);
      // Extreme values: all -128 or all 127 stress the partial sums' range.
      for (int fill : {-128, 127, 0}) {
        std::vector<int8_t> x =
            fill == 0 ? rng.int8s(g.in_image()) : std::vector<int8_t>(g.in_image(), int8_t(fill));
        const AvgPoolS8Params p = t.params(-3, 5, fill == 0);
        std::vector<int8_t> want(g.out_image()), got(want.size(), 99);
        avgpool_s8_reference(g, p, x.data(), want.data());
        avgpool_s8_c16__wasmsimd(g, p, x.data(), got.data());
        ASSERT_EQ(want, got) << describe(g) << " fill " << fill;
      }
    }
  }
}

TEST(PoolKernels, AvgPoolF32SimdMatchesReference) {
  test::Rng rng(15);
  for_edge_geometries(4, [&](const Pool2DGeometry& g) {
    std::vector<float> x = rng.floats(g.batch * g.in_image(), -10.0f, 10.0f);
    for (bool include_pad : {false, true}) {
      std::vector<float> want(g.batch * g.out_image()), got(want.size(), 99.0f);
      avgpool_f32_reference(g, include_pad, x.data(), want.data());
      avgpool_f32_c4__wasmsimd(g, include_pad, x.data(), got.data());
      expect_close(want, got, describe(g) + (include_pad ? " count_include_pad" : ""));
    }
  });
}

TEST(PoolKernels, GlobalAvgPoolS8SimdIsBitExactWithReference) {
  test::Rng rng(16);
  for (size_t batch : {1, 2}) {
    for (size_t c = 1; c <= 33; ++c) {
      for (size_t pixels : {1, 7, 49, 255, 256, 257, 1000}) {
        const double real =
            rng.uniform(0.01f, 0.1f) / (rng.uniform(0.01f, 0.1f) * static_cast<double>(pixels));
        Requantization rq;
        ASSERT_TRUE(compute_requantization(&real, 1, &rq).is_ok());
        GlobalAvgPoolS8Params p;
        p.input_zero_point = rng.int_in(-128, 127);
        p.output_zero_point = rng.int_in(-128, 127);
        p.multiplier = rq.multiplier[0];
        p.shift = rq.shift;
        std::vector<int8_t> x = rng.int8s(batch * pixels * c);
        if (pixels == 256) std::fill(x.begin(), x.end(), int8_t{-128});  // int16 range edge
        std::vector<int8_t> want(batch * c), got(want.size(), 99);
        global_avgpool_s8_reference(batch, pixels, c, p, x.data(), want.data());
        global_avgpool_s8_c16__wasmsimd(batch, pixels, c, p, x.data(), got.data());
        ASSERT_EQ(want, got) << "N" << batch << " C" << c << " pixels " << pixels;
      }
    }
  }
}

TEST(PoolKernels, GlobalAvgPoolF32SimdMatchesReference) {
  test::Rng rng(17);
  for (size_t batch : {1, 2}) {
    for (size_t c = 1; c <= 33; ++c) {
      for (size_t pixels : {1, 7, 49, 300}) {
        std::vector<float> x = rng.floats(batch * pixels * c, -5.0f, 5.0f);
        std::vector<float> want(batch * c), got(want.size(), 99.0f);
        global_avgpool_f32_reference(batch, pixels, c, x.data(), want.data());
        global_avgpool_f32_c4__wasmsimd(batch, pixels, c, x.data(), got.data());
        expect_close(want, got, "C" + std::to_string(c) + " pixels " + std::to_string(pixels));
      }
    }
  }
}

// f32x4.max semantics in both kernels: a NaN tap makes the output NaN; +0 wins over -0.
TEST(PoolKernels, MaxPoolF32PropagatesNaNAndPrefersPositiveZero) {
  for (size_t c : {1, 5, 8}) {
    Pool2DGeometry g = geometry(1, 2, 2, c, 2, 1, 0);
    ASSERT_TRUE(validate_pool2d("t", &g).is_ok());
    std::vector<float> x(g.in_image(), -1.0f);
    x[c + 0] = std::numeric_limits<float>::quiet_NaN();  // pixel 1, channel 0
    if (c > 1) {
      x[1] = -0.0f;
      x[2 * c + 1] = 0.0f;
    }
    for (auto fn : {maxpool_f32_reference, maxpool_f32_c4__wasmsimd}) {
      std::vector<float> y(c, 7.0f);
      fn(g, x.data(), y.data());
      EXPECT_TRUE(std::isnan(y[0])) << "C" << c;
      if (c > 1) {
        EXPECT_EQ(y[1], 0.0f);
        EXPECT_FALSE(std::signbit(y[1]));
      }
      for (size_t i = 2; i < c; ++i) EXPECT_EQ(y[i], -1.0f);
    }
  }
}

// ---- int8 ops against the fp32 ops on dequantized values

std::vector<float> dequantize(const std::vector<int8_t>& q, const QuantParams& p) {
  std::vector<float> f(q.size());
  for (size_t i = 0; i < q.size(); ++i) f[i] = dequantize_value(q[i], p.scale, p.zero_point);
  return f;
}

// Max commutes with the monotonic dequantization: the int8 result is exact.
TEST(MaxPool2D, Int8IsExactlyTheFloatMaxOfDequantizedValues) {
  test::Rng rng(21);
  const QuantParams q{0.037f, -11};
  for (const Pool2DGeometry& g0 : {geometry(2, 9, 8, 19, 3, 2, 1, true),
                                   geometry(1, 7, 7, 64, 2, 2, 0), geometry(1, 5, 6, 3, 3, 1, 1)}) {
    std::unique_ptr<MaxPool2DS8> s8;
    std::unique_ptr<MaxPool2DF32> f32;
    ASSERT_TRUE(MaxPool2DS8::create(g0, &s8).is_ok());
    ASSERT_TRUE(MaxPool2DF32::create(g0, &f32).is_ok());
    std::vector<int8_t> x = rng.int8s(s8->input_size());
    std::vector<int8_t> y(s8->output_size());
    ASSERT_TRUE(s8->run(x.data(), x.size(), y.data(), y.size()).is_ok());
    std::vector<float> xf = dequantize(x, q), yf(f32->output_size());
    ASSERT_TRUE(f32->run(xf.data(), xf.size(), yf.data(), yf.size()).is_ok());
    EXPECT_EQ(dequantize(y, q), yf) << describe(s8->geometry());
  }
}

// Stated bound: the int8 average is within 0.5 output LSB of the fp32 average of the dequantized
// input (round to nearest), plus 0.01 LSB for the fp32 op's own rounding and the multiplier's.
constexpr double kAvgBoundLsb = 0.51;

double lsb_error(int8_t y, float f, const QuantParams& out) {
  const double exact =
      std::min(127.0, std::max(-128.0, static_cast<double>(f) / out.scale + out.zero_point));
  return std::fabs(y - exact);
}

TEST(AveragePool2D, Int8IsWithinHalfLsbOfFloat) {
  test::Rng rng(22);
  for (bool include_pad : {false, true}) {
    for (const Pool2DGeometry& g0 :
         {geometry(2, 9, 8, 19, 3, 2, 1, true), geometry(1, 7, 7, 64, 7, 1, 0),
          geometry(1, 6, 5, 3, 3, 1, 2), geometry(1, 12, 12, 17, 4, 3, 1, true)}) {
      AveragePool2DParams params;
      params.geometry = g0;
      params.count_include_pad = include_pad;
      const QuantParams in{rng.uniform(0.01f, 0.05f), rng.int_in(-50, 50)};
      const QuantParams out{rng.uniform(0.01f, 0.05f), rng.int_in(-50, 50)};
      std::unique_ptr<AveragePool2DS8> s8;
      std::unique_ptr<AveragePool2DF32> f32;
      ASSERT_TRUE(AveragePool2DS8::create(params, in, out, &s8).is_ok());
      ASSERT_TRUE(AveragePool2DF32::create(params, &f32).is_ok());
      std::vector<int8_t> x = rng.int8s(s8->input_size());
      std::vector<int8_t> y(s8->output_size());
      ASSERT_TRUE(s8->run(x.data(), x.size(), y.data(), y.size()).is_ok());
      std::vector<float> xf = dequantize(x, in), yf(f32->output_size());
      ASSERT_TRUE(f32->run(xf.data(), xf.size(), yf.data(), yf.size()).is_ok());
      for (size_t i = 0; i < y.size(); ++i) {
        ASSERT_LE(lsb_error(y[i], yf[i], out), kAvgBoundLsb)
            << describe(s8->geometry()) << " at " << i;
      }
    }
  }
}

TEST(GlobalAveragePool, Int8IsWithinHalfLsbOfFloat) {
  test::Rng rng(23);
  for (size_t hw : {1, 7, 20}) {
    for (size_t c : {1, 16, 37}) {
      GlobalAveragePoolParams params{2, hw, hw + 1, c, true};
      const QuantParams in{rng.uniform(0.01f, 0.05f), rng.int_in(-50, 50)};
      const QuantParams out{rng.uniform(0.005f, 0.05f), rng.int_in(-50, 50)};
      std::unique_ptr<GlobalAveragePoolS8> s8;
      std::unique_ptr<GlobalAveragePoolF32> f32;
      ASSERT_TRUE(GlobalAveragePoolS8::create(params, in, out, &s8).is_ok());
      ASSERT_TRUE(GlobalAveragePoolF32::create(params, &f32).is_ok());
      std::vector<int8_t> x = rng.int8s(s8->input_size());
      std::vector<int8_t> y(s8->output_size());
      ASSERT_TRUE(s8->run(x.data(), x.size(), y.data(), y.size()).is_ok());
      std::vector<float> xf = dequantize(x, in), yf(f32->output_size());
      ASSERT_TRUE(f32->run(xf.data(), xf.size(), yf.data(), yf.size()).is_ok());
      for (size_t i = 0; i < y.size(); ++i) {
        ASSERT_LE(lsb_error(y[i], yf[i], out), kAvgBoundLsb) << hw << " " << c << " at " << i;
      }
    }
  }
}

// Equal parameters, integer averages: the int8 result is the exact value; ties round up.
TEST(AveragePool2D, Int8RoundsHalfUp) {
  Pool2DGeometry g = geometry(1, 1, 2, 1, 1, 1, 0);
  g.kernel_w = 2;
  AveragePool2DParams params;
  params.geometry = g;
  std::unique_ptr<AveragePool2DS8> op;
  ASSERT_TRUE(AveragePool2DS8::create(params, {0.5f, 3}, {0.5f, 3}, &op).is_ok());
  // (a, b, expected): d = q - 3, average (d_a + d_b) / 2, rounded half up, plus 3.
  const std::vector<std::tuple<int, int, int>> cases = {{3, 4, 4},           // 0.5 -> 1
                                                        {2, 3, 3},           // -0.5 -> 0
                                                        {1, 4, 3},           // -0.5 -> 0
                                                        {-128, -127, -127},  // -130.5 -> -130
                                                        {10, 20, 15}};
  for (const auto& [a, b, want] : cases) {
    const int8_t x[2] = {static_cast<int8_t>(a), static_cast<int8_t>(b)};
    int8_t y = 0;
    ASSERT_TRUE(op->run(x, 2, &y, 1).is_ok());
    EXPECT_EQ(y, want) << a << " " << b;
  }
}

// ---- ONNX semantics, hand-computed (ONNX's backend test cases, NHWC with one channel)

std::vector<float> iota(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i + 1);
  return v;
}

std::vector<float> run_max(const Pool2DGeometry& g, const std::vector<float>& x) {
  std::unique_ptr<MaxPool2DF32> op;
  const Status s = MaxPool2DF32::create(g, &op);
  EXPECT_TRUE(s.is_ok()) << s.message();
  if (!s.is_ok()) return {};
  std::vector<float> y(op->output_size());
  EXPECT_TRUE(op->run(x.data(), x.size(), y.data(), y.size()).is_ok());
  return y;
}

std::vector<float> run_avg(const Pool2DGeometry& g, bool include_pad, const std::vector<float>& x) {
  AveragePool2DParams params;
  params.geometry = g;
  params.count_include_pad = include_pad;
  std::unique_ptr<AveragePool2DF32> op;
  const Status s = AveragePool2DF32::create(params, &op);
  EXPECT_TRUE(s.is_ok()) << s.message();
  if (!s.is_ok()) return {};
  std::vector<float> y(op->output_size());
  EXPECT_TRUE(op->run(x.data(), x.size(), y.data(), y.size()).is_ok());
  return y;
}

TEST(MaxPool2D, OnnxCeilMode) {
  // maxpool_2d_ceil: 4x4 of 1..16, kernel 3, stride 2.
  EXPECT_EQ(run_max(geometry(1, 4, 4, 1, 3, 2, 0, true), iota(16)),
            (std::vector<float>{11, 12, 15, 16}));
  EXPECT_EQ(run_max(geometry(1, 4, 4, 1, 3, 2, 0, false), iota(16)), (std::vector<float>{11}));
}

TEST(MaxPool2D, OnnxPadsAndDilations) {
  // maxpool_2d_pads: 5x5 of 1..25, kernel 5, pads 2.
  EXPECT_EQ(run_max(geometry(1, 5, 5, 1, 5, 1, 2), iota(25)),
            (std::vector<float>{13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25,
                                25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25}));
  // maxpool_2d_dilations: 4x4 of 1..16, kernel 2, dilation 2.
  Pool2DGeometry g = geometry(1, 4, 4, 1, 2, 1, 0);
  g.dilation_h = g.dilation_w = 2;
  EXPECT_EQ(run_max(g, iota(16)), (std::vector<float>{11, 12, 15, 16}));
}

TEST(MaxPool2D, PaddingNeverWins) {
  // 2x2 input (a b / c d) padded by 1 on every side, kernel 2: 3x3 outputs, the corner ones see a
  // single input pixel. All-negative input: padding as 0 would win everywhere but the centre.
  const Pool2DGeometry g = geometry(1, 2, 2, 2, 2, 1, 1);
  const std::vector<float> x = {-5, -50, -6, -60, -7, -70, -8, -80};
  EXPECT_EQ(run_max(g, x), (std::vector<float>{-5, -50, -5, -50, -6, -60, -5, -50, -5, -50, -6, -60,
                                               -7, -70, -7, -70, -8, -80}));
  // int8: no padding value either (the zero point of real 0.0 would be irrelevant).
  std::unique_ptr<MaxPool2DS8> op;
  ASSERT_TRUE(MaxPool2DS8::create(g, &op).is_ok());
  const int8_t xq[8] = {-128, 1, -127, 1, -126, 1, -125, 1};
  int8_t y[18] = {};
  ASSERT_TRUE(op->run(xq, 8, y, 18).is_ok());
  const int8_t want[9] = {-128, -127, -127, -126, -125, -125, -126, -125, -125};
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(y[2 * i], want[i]) << i;
    EXPECT_EQ(y[2 * i + 1], 1) << i;
  }
}

TEST(AveragePool2D, OnnxCeilMode) {
  // averagepool_2d_ceil: 4x4 of 1..16, kernel 3, stride 2: the overhang is not counted.
  EXPECT_EQ(run_avg(geometry(1, 4, 4, 1, 3, 2, 0, true), false, iota(16)),
            (std::vector<float>{6, 7.5f, 12, 13.5f}));
}

TEST(AveragePool2D, OnnxPadsWithAndWithoutCountIncludePad) {
  // averagepool_2d_precomputed_pads[_count_include_pad]: 5x5 of 1..25, kernel 5, pads 2.
  const Pool2DGeometry g = geometry(1, 5, 5, 1, 5, 1, 2);
  const std::vector<float> excl = run_avg(g, false, iota(25));
  const std::vector<float> incl = run_avg(g, true, iota(25));
  ASSERT_EQ(excl.size(), 25u);
  ASSERT_EQ(incl.size(), 25u);
  const std::vector<float> excl_row0 = {7, 7.5f, 8, 8.5f, 9};
  const std::vector<float> incl_row0 = {2.52f, 3.6f, 4.8f, 4.08f, 3.24f};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(excl[i], excl_row0[i], 1e-5f) << i;
    EXPECT_NEAR(incl[i], incl_row0[i], 1e-5f) << i;
  }
  EXPECT_EQ(excl[12], 13.0f);
  EXPECT_EQ(incl[12], 13.0f);
  EXPECT_NEAR(excl[24], 19.0f, 1e-5f);  // (13+14+15+18+19+20+23+24+25) / 9
  EXPECT_NEAR(incl[24], 6.84f, 1e-5f);  // 171 / 25
}

TEST(AveragePool2D, CeilModeOverhangIsNeverCounted) {
  // 4x4 of 1..16, kernel 3, stride 2, pads 1, ceil_mode: 3x3 outputs; the last window covers input
  // row 3, the bottom padding row and one overhang row.
  const Pool2DGeometry g = geometry(1, 4, 4, 1, 3, 2, 1, true);
  const std::vector<float> excl = run_avg(g, false, iota(16));
  const std::vector<float> incl = run_avg(g, true, iota(16));
  ASSERT_EQ(excl.size(), 9u);
  ASSERT_EQ(incl.size(), 9u);
  EXPECT_EQ(excl[0], 3.5f);                // (1 + 2 + 5 + 6) / 4
  EXPECT_NEAR(incl[0], 14.0f / 9, 1e-6f);  // the same sum over 9 taps
  EXPECT_EQ(excl[8], 16.0f);               // input (3, 3) alone
  EXPECT_EQ(incl[8], 4.0f);                // 16 over 2 x 2 real + padding taps
  // PyTorch's avg_pool2d(kernel 3, stride 2, padding 1, ceil_mode, count_include_pad) of this input
  // (pytorch/pytorch#183528; onnxruntime agrees from AveragePool-19).
  const std::vector<float> torch = {1.5555556f, 3.3333333f, 2.0f, 6.3333335f, 11.0f,
                                    6.0f,       4.5f,       7.5f, 4.0f};
  for (size_t i = 0; i < 9; ++i) EXPECT_NEAR(incl[i], torch[i], 1e-6f) << i;
  // Output (0, 2): rows -1..1, columns 3 (real), 4 (padding) and 5 (overhang): 4 + 8 over 3 x 2.
  EXPECT_EQ(excl[2], 6.0f);
  EXPECT_EQ(incl[2], 2.0f);
}

TEST(Pool2D, OutputSizes) {
  auto out = [](size_t in, size_t k, size_t stride, size_t pad, bool ceil_mode) {
    Pool2DGeometry g = geometry(1, in, in, 1, k, stride, pad, ceil_mode);
    const Status s = validate_pool2d("t", &g);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return g.out_h;
  };
  EXPECT_EQ(out(4, 3, 2, 0, false), 1u);
  EXPECT_EQ(out(4, 3, 2, 0, true), 2u);
  EXPECT_EQ(out(112, 3, 2, 1, false), 56u);
  EXPECT_EQ(out(112, 3, 2, 1, true), 57u);  // the 57th window starts at input row 111
  EXPECT_EQ(out(5, 2, 2, 1, false), 3u);
  // ceil gives 4, but the 4th window would start at padded 6 = in + pad_begin: dropped.
  EXPECT_EQ(out(5, 2, 2, 1, true), 3u);
  EXPECT_EQ(out(6, 3, 2, 0, true), 3u);  // ceil(1.5) + 1
  Pool2DGeometry g = geometry(1, 7, 7, 1, 3, 1, 0);
  g.dilation_h = 3;
  ASSERT_TRUE(validate_pool2d("t", &g).is_ok());
  EXPECT_EQ(g.out_h, 1u);  // dilated extent 7
  EXPECT_EQ(g.out_w, 5u);
}

TEST(GlobalAveragePool, KeepDimsOnlyChangesTheShape) {
  std::unique_ptr<GlobalAveragePoolF32> keep, flat;
  ASSERT_TRUE(GlobalAveragePoolF32::create({2, 2, 3, 2, true}, &keep).is_ok());
  ASSERT_TRUE(GlobalAveragePoolF32::create({2, 2, 3, 2, false}, &flat).is_ok());
  EXPECT_EQ(keep->output_shape(), (Shape{2, 1, 1, 2}));
  EXPECT_EQ(flat->output_shape(), (Shape{2, 2}));
  const std::vector<float> x = iota(24);
  std::vector<float> a(4), b(4);
  ASSERT_TRUE(keep->run(x.data(), x.size(), a.data(), a.size()).is_ok());
  ASSERT_TRUE(flat->run(x.data(), x.size(), b.data(), b.size()).is_ok());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, (std::vector<float>{6, 7, 18, 19}));  // mean of 1,3,..,11 and 2,4,..,12; +12
}

// ---- errors

TEST(Pool2D, RejectsBadGeometryWithNamedErrors) {
  auto message = [](const Pool2DGeometry& g) {
    std::unique_ptr<MaxPool2DS8> op;
    return MaxPool2DS8::create(g, &op).message();
  };
  const Pool2DGeometry g = geometry(1, 4, 4, 2, 3, 1, 0);
  Pool2DGeometry bad = g;
  bad.stride_w = 0;
  EXPECT_EQ(message(bad), "MaxPool2D: stride width must be >= 1, got 0");
  bad = g;
  bad.kernel_h = 0;
  EXPECT_EQ(message(bad), "MaxPool2D: kernel height must be >= 1, got 0");
  bad = g;
  bad.channels = 0;
  EXPECT_EQ(message(bad), "MaxPool2D: channels must be >= 1, got 0");
  bad = g;
  bad.dilation_w = 0;
  EXPECT_EQ(message(bad), "MaxPool2D: dilation width must be >= 1, got 0");
  bad = g;
  bad.kernel_h = 5;
  EXPECT_EQ(message(bad),
            "MaxPool2D: the dilated kernel (5 x 3) is larger than the padded input (4 x 4)");
  bad = g;
  bad.kernel_h = 2;
  bad.pad_top = 2;
  EXPECT_EQ(message(bad),
            "MaxPool2D: the window of output row 0 covers no input pixel (input 4, kernel 2, "
            "dilation 1, pads 2 and 0)");
  bad = g;
  bad.kernel_w = 2;
  bad.dilation_w = 3;
  bad.in_w = 2;
  bad.pad_right = 2;
  bad.pad_left = 1;  // taps at padded 0 and 3 of 5: pad, pad for the first window
  EXPECT_EQ(message(bad),
            "MaxPool2D: the window of output column 0 covers no input pixel (input 2, kernel 2, "
            "dilation 3, pads 1 and 2)");
  bad = g;
  bad.pad_left = 20000000;
  EXPECT_EQ(message(bad), "MaxPool2D: pad_left 20000000 exceeds 16777216");
  bad = g;
  bad.in_h = bad.in_w = size_t{1} << 16;
  bad.channels = 1024;
  EXPECT_EQ(message(bad), "MaxPool2D: input: more than 1073741824 elements");
  EXPECT_EQ(message(g), "");

  std::unique_ptr<AveragePool2DF32> avg;
  AveragePool2DParams params;
  params.geometry = g;
  params.geometry.in_h = 0;
  EXPECT_EQ(AveragePool2DF32::create(params, &avg).message(),
            "AveragePool2D: input height must be >= 1, got 0");
}

TEST(Pool2D, RunChecksBufferLengths) {
  std::unique_ptr<MaxPool2DS8> s8;
  ASSERT_TRUE(MaxPool2DS8::create(geometry(1, 4, 4, 2, 3, 1, 0), &s8).is_ok());
  std::vector<int8_t> x(32), y(8);
  EXPECT_EQ(s8->run(x.data(), 31, y.data(), y.size()).message(),
            "MaxPool2D: input has 31 values, expected 32 (NHWC 1x4x4x2)");
  EXPECT_EQ(s8->run(x.data(), x.size(), y.data(), 3).message(),
            "MaxPool2D: output has room for 3 values, expected 8");
  std::unique_ptr<AveragePool2DF32> f32;
  AveragePool2DParams params;
  params.geometry = geometry(2, 3, 3, 1, 2, 1, 0);
  ASSERT_TRUE(AveragePool2DF32::create(params, &f32).is_ok());
  std::vector<float> xf(18), yf(8);
  EXPECT_EQ(f32->run(xf.data(), 17, yf.data(), yf.size()).message(),
            "AveragePool2D: input has 17 values, expected 18 (NHWC 2x3x3x1)");
  std::unique_ptr<GlobalAveragePoolS8> g8;
  ASSERT_TRUE(GlobalAveragePoolS8::create({1, 2, 2, 3, true}, {0.1f, 0}, {0.1f, 0}, &g8).is_ok());
  EXPECT_EQ(g8->run(x.data(), 12, y.data(), 2).message(),
            "GlobalAveragePool: output has room for 2 values, expected 3");
  EXPECT_EQ(g8->run(x.data(), 11, y.data(), 3).message(),
            "GlobalAveragePool: input has 11 values, expected 12 (NHWC 1x2x2x3)");
}

TEST(AveragePool2D, RejectsBadParamsWithNamedErrors) {
  AveragePool2DParams params;
  params.geometry = geometry(1, 4, 4, 2, 3, 1, 0);
  std::unique_ptr<AveragePool2DS8> op;
  EXPECT_EQ(AveragePool2DS8::create(params, {0.0f, 0}, {0.1f, 0}, &op).message(),
            "AveragePool2D: input: scale must be a finite number > 0, got 0");
  EXPECT_EQ(AveragePool2DS8::create(params, {0.1f, 0}, {0.1f, 200}, &op).message(),
            "AveragePool2D: output: zero point must be in [-128, 127] for int8, got 200");
  const std::string too_large =
      AveragePool2DS8::create(params, {20.0f, 0}, {0.1f, 0}, &op).message();
  EXPECT_EQ(too_large.rfind("AveragePool2D: requantization multiplier 200 is too large", 0), 0u)
      << too_large;
  params.geometry = geometry(1, 257, 257, 1, 257, 1, 0);
  EXPECT_EQ(AveragePool2DS8::create(params, {0.1f, 0}, {0.1f, 0}, &op).message(),
            "AveragePool2D: kernel height * kernel width = 66049 exceeds 65536 (use "
            "GlobalAveragePool)");
}

TEST(GlobalAveragePool, RejectsBadParamsWithNamedErrors) {
  std::unique_ptr<GlobalAveragePoolS8> s8;
  std::unique_ptr<GlobalAveragePoolF32> f32;
  EXPECT_EQ(GlobalAveragePoolF32::create({1, 0, 3, 2, true}, &f32).message(),
            "GlobalAveragePool: height must be >= 1, got 0");
  EXPECT_EQ(GlobalAveragePoolF32::create({1, 3, 3, 0, true}, &f32).message(),
            "GlobalAveragePool: channels must be >= 1, got 0");
  EXPECT_EQ(
      GlobalAveragePoolS8::create({1, 4096, 4096, 1, true}, {0.1f, 0}, {0.1f, 0}, &s8).message(),
      "GlobalAveragePool: height * width = 16777216 exceeds 8388608 (the int32 sum could "
      "overflow)");
  EXPECT_EQ(GlobalAveragePoolS8::create({1, 2, 2, 1, true}, {0.1f, 0}, {-1.0f, 0}, &s8).message(),
            "GlobalAveragePool: output: scale must be a finite number > 0, got -1");
  EXPECT_TRUE(GlobalAveragePoolF32::create({1, 4096, 4096, 1, true}, &f32).is_ok());
}

}  // namespace
}  // namespace wi8
