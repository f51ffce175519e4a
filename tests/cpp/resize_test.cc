#include "ops/resize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/resize/resize.h"
#include "test_util.h"

namespace wi8 {
namespace {

const ResizeCoord kCoords[] = {ResizeCoord::kHalfPixel, ResizeCoord::kPytorchHalfPixel,
                               ResizeCoord::kAlignCorners, ResizeCoord::kAsymmetric};
const ResizeNearestMode kNearestModes[] = {ResizeNearestMode::kRoundPreferFloor,
                                           ResizeNearestMode::kRoundPreferCeil,
                                           ResizeNearestMode::kFloor, ResizeNearestMode::kCeil};
// (in, out) along an axis: up, down, equal, to and from 1.
const std::pair<size_t, size_t> kSizes[] = {{1, 3}, {3, 1}, {4, 7}, {7, 4}, {5, 5}, {2, 9}};

ResizeGeometry geometry(size_t n, size_t ih, size_t iw, size_t c, size_t oh, size_t ow,
                        ResizeCoord coord) {
  ResizeGeometry g;
  g.batch = n;
  g.in_h = ih;
  g.in_w = iw;
  g.channels = c;
  g.out_h = oh;
  g.out_w = ow;
  g.scale_h = static_cast<double>(oh) / static_cast<double>(ih);
  g.scale_w = static_cast<double>(ow) / static_cast<double>(iw);
  g.coord = coord;
  return g;
}

std::string describe(const ResizeGeometry& g) {
  return "N" + std::to_string(g.batch) + " " + std::to_string(g.in_h) + "x" +
         std::to_string(g.in_w) + "x" + std::to_string(g.channels) + " -> " +
         std::to_string(g.out_h) + "x" + std::to_string(g.out_w) + " coord " +
         std::to_string(static_cast<int>(g.coord));
}

// ---- fast kernels vs references

TEST(ResizeKernels, BilinearS8SimdIsBitExactWithReference) {
  test::Rng rng(41);
  for (size_t c = 1; c <= 33; ++c) {
    for (const auto& [in, out] : kSizes) {
      for (ResizeCoord coord : kCoords) {
        const ResizeGeometry g = geometry(c % 3 == 0 ? 2 : 1, in, in + 1, c, out, out + 2, coord);
        const ResizeAxisTable rows = resize_linear_table(coord, g.in_h, g.out_h, g.scale_h);
        const ResizeAxisTable cols = resize_linear_table(coord, g.in_w, g.out_w, g.scale_w);
        std::vector<int8_t> x = rng.int8s(g.batch * g.in_image());
        for (bool same : {true, false}) {
          const float s_in = rng.uniform(0.01f, 0.1f);
          const float s_out = same ? s_in : rng.uniform(0.01f, 0.1f);
          const double real = std::ldexp(static_cast<double>(s_in) / s_out, -22);
          Requantization rq;
          ASSERT_TRUE(compute_requantization(&real, 1, &rq).is_ok());
          ResizeS8Params p;
          p.input_zero_point = rng.int_in(-128, 127);
          p.output_zero_point = same ? p.input_zero_point : rng.int_in(-128, 127);
          p.multiplier = rq.multiplier[0];
          p.shift = rq.shift;
          std::vector<int8_t> want(g.batch * g.out_image()), got(want.size(), 99);
          resize_bilinear_s8_reference(g, p, x.data(), want.data());
          resize_bilinear_s8_c8__wasmsimd(g, rows, cols, p, x.data(), got.data());
          ASSERT_EQ(want, got) << describe(g) << (same ? " same params" : "");
        }
      }
    }
  }
}

TEST(ResizeKernels, BilinearF32SimdMatchesReference) {
  test::Rng rng(42);
  for (size_t c = 1; c <= 33; ++c) {
    for (const auto& [in, out] : kSizes) {
      for (ResizeCoord coord : kCoords) {
        const ResizeGeometry g = geometry(c % 3 == 0 ? 2 : 1, in + 1, in, c, out + 1, out, coord);
        const ResizeAxisTable rows = resize_linear_table(coord, g.in_h, g.out_h, g.scale_h);
        const ResizeAxisTable cols = resize_linear_table(coord, g.in_w, g.out_w, g.scale_w);
        std::vector<float> x = rng.floats(g.batch * g.in_image(), -10.0f, 10.0f);
        std::vector<float> want(g.batch * g.out_image()), got(want.size(), 99.0f);
        resize_bilinear_f32_reference(g, x.data(), want.data());
        resize_bilinear_f32_c4__wasmsimd(g, rows, cols, x.data(), got.data());
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_LE(std::fabs(want[i] - got[i]), 1e-5f * std::max(1.0f, std::fabs(want[i])))
              << describe(g) << " at " << i;
        }
      }
    }
  }
}

TEST(ResizeKernels, NearestRowsMatchesReference) {
  test::Rng rng(43);
  for (size_t c : {1, 3, 16, 17}) {
    for (const auto& [in, out] : kSizes) {
      for (ResizeCoord coord : kCoords) {
        for (ResizeNearestMode mode : kNearestModes) {
          const ResizeGeometry g = geometry(2, in, in + 2, c, out + 1, out, coord);
          const ResizeAxisTable rows =
              resize_nearest_table(mode, coord, g.in_h, g.out_h, g.scale_h);
          const ResizeAxisTable cols =
              resize_nearest_table(mode, coord, g.in_w, g.out_w, g.scale_w);
          for (size_t es : {1, 4}) {
            std::vector<int8_t> x = rng.int8s(g.batch * g.in_image() * es);
            std::vector<int8_t> want(g.batch * g.out_image() * es), got(want.size(), 99);
            resize_nearest_reference(g, mode, es, x.data(), want.data());
            resize_nearest_rows(g, rows, cols, es, x.data(), got.data());
            ASSERT_EQ(want, got) << describe(g) << " nearest " << static_cast<int>(mode);
          }
        }
      }
    }
  }
}

// ---- ONNX semantics (ONNX's Resize backend test cases; NCHW 1x1xHxW is NHWC 1xHxWx1)

std::vector<float> run_f32(size_t ih, size_t iw, size_t oh, size_t ow, ResizeMode mode,
                           ResizeCoord coord, const std::vector<float>& x,
                           ResizeNearestMode nearest = ResizeNearestMode::kRoundPreferFloor,
                           float scale = 0.0f) {
  ResizeParams p;
  p.in_h = ih;
  p.in_w = iw;
  p.channels = 1;
  p.out_h = oh;
  p.out_w = ow;
  p.scale_h = p.scale_w = scale;
  p.mode = mode;
  p.coord = coord;
  p.nearest = nearest;
  std::unique_ptr<ResizeF32> op;
  const Status s = ResizeF32::create(p, &op);
  EXPECT_TRUE(s.is_ok()) << s.message();
  if (!s.is_ok()) return {};
  std::vector<float> y(op->output_size());
  EXPECT_TRUE(op->run(x.data(), x.size(), y.data(), y.size()).is_ok());
  return y;
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f) << i;
}

std::vector<float> iota(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i + 1);
  return v;
}

TEST(Resize, OnnxNearest) {
  // resize_upsample_scales_nearest: 2x2 by (2, 3), half_pixel, round_prefer_floor.
  EXPECT_EQ(
      run_f32(2, 2, 4, 6, ResizeMode::kNearest, ResizeCoord::kHalfPixel, {1, 2, 3, 4}),
      (std::vector<float>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
  // resize_downsample_scales_nearest: 2x4 by 0.6 -> 1x2.
  EXPECT_EQ(run_f32(2, 4, 1, 2, ResizeMode::kNearest, ResizeCoord::kHalfPixel, iota(8),
                    ResizeNearestMode::kRoundPreferFloor, 0.6f),
            (std::vector<float>{1, 3}));
  // 4 -> 8 per axis; first row of resize_upsample_sizes_nearest_{floor_align_corners,
  // round_prefer_ceil_asymmetric, ceil_half_pixel}.
  auto row0 = [](ResizeCoord coord, ResizeNearestMode mode) {
    std::vector<float> y = run_f32(4, 4, 8, 8, ResizeMode::kNearest, coord, iota(16), mode);
    return std::vector<float>(y.begin(), y.begin() + 8);
  };
  EXPECT_EQ(row0(ResizeCoord::kAlignCorners, ResizeNearestMode::kFloor),
            (std::vector<float>{1, 1, 1, 2, 2, 3, 3, 4}));
  EXPECT_EQ(row0(ResizeCoord::kAsymmetric, ResizeNearestMode::kRoundPreferCeil),
            (std::vector<float>{1, 2, 2, 3, 3, 4, 4, 4}));
  EXPECT_EQ(row0(ResizeCoord::kAsymmetric, ResizeNearestMode::kRoundPreferFloor),
            (std::vector<float>{1, 1, 2, 2, 3, 3, 4, 4}));
  EXPECT_EQ(row0(ResizeCoord::kHalfPixel, ResizeNearestMode::kCeil),
            (std::vector<float>{1, 2, 2, 3, 3, 4, 4, 4}));
  // Ties: half_pixel 8 -> 4 puts every source at 2o + 0.5.
  EXPECT_EQ(run_f32(1, 8, 1, 4, ResizeMode::kNearest, ResizeCoord::kHalfPixel, iota(8),
                    ResizeNearestMode::kRoundPreferFloor),
            (std::vector<float>{1, 3, 5, 7}));
  EXPECT_EQ(run_f32(1, 8, 1, 4, ResizeMode::kNearest, ResizeCoord::kHalfPixel, iota(8),
                    ResizeNearestMode::kRoundPreferCeil),
            (std::vector<float>{2, 4, 6, 8}));
}

TEST(Resize, OnnxLinear) {
  // resize_upsample_scales_linear (half_pixel).
  expect_near(
      run_f32(2, 2, 4, 4, ResizeMode::kLinear, ResizeCoord::kHalfPixel, {1, 2, 3, 4}),
      {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4});
  // resize_upsample_scales_linear_align_corners.
  expect_near(run_f32(2, 2, 4, 4, ResizeMode::kLinear, ResizeCoord::kAlignCorners, {1, 2, 3, 4}),
              {1, 4.0f / 3, 5.0f / 3, 2, 5.0f / 3, 2, 7.0f / 3, 8.0f / 3, 7.0f / 3, 8.0f / 3, 3,
               10.0f / 3, 3, 10.0f / 3, 11.0f / 3, 4});
  // resize_downsample_scales_linear: 2x4 by 0.6 -> [2.6666665, 4.3333331].
  expect_near(run_f32(2, 4, 1, 2, ResizeMode::kLinear, ResizeCoord::kHalfPixel, iota(8),
                      ResizeNearestMode::kRoundPreferFloor, 0.6f),
              {2.6666665f, 4.3333331f});
  // resize_downsample_scales_linear_align_corners: [1, 4].
  expect_near(run_f32(2, 4, 1, 2, ResizeMode::kLinear, ResizeCoord::kAlignCorners, iota(8),
                      ResizeNearestMode::kRoundPreferFloor, 0.6f),
              {1, 4});
  // Asymmetric 2 -> 4: sources 0, 0.5, 1, 1.5 (the last clamps to the edge).
  expect_near(run_f32(1, 2, 1, 4, ResizeMode::kLinear, ResizeCoord::kAsymmetric, {1, 3}),
              {1, 2, 3, 3});
  // One output: pytorch_half_pixel samples 0, half_pixel the centre.
  expect_near(run_f32(1, 4, 1, 1, ResizeMode::kLinear, ResizeCoord::kPytorchHalfPixel, iota(4)),
              {1});
  expect_near(run_f32(1, 4, 1, 1, ResizeMode::kLinear, ResizeCoord::kHalfPixel, iota(4)), {2.5f});
}

// ---- int8

std::vector<int8_t> run_s8(const ResizeParams& p, const QuantParams& in, const QuantParams& out,
                           const std::vector<int8_t>& x) {
  std::unique_ptr<ResizeS8> op;
  const Status s = ResizeS8::create(p, in, out, &op);
  EXPECT_TRUE(s.is_ok()) << s.message();
  if (!s.is_ok()) return {};
  std::vector<int8_t> y(op->output_size());
  EXPECT_TRUE(op->run(x.data(), x.size(), y.data(), y.size()).is_ok());
  return y;
}

ResizeParams params(size_t n, size_t ih, size_t iw, size_t c, size_t oh, size_t ow, ResizeMode mode,
                    ResizeCoord coord) {
  ResizeParams p;
  p.batch = n;
  p.in_h = ih;
  p.in_w = iw;
  p.channels = c;
  p.out_h = oh;
  p.out_w = ow;
  p.mode = mode;
  p.coord = coord;
  return p;
}

TEST(ResizeS8, BilinearRoundsHalfUpWithEqualParams) {
  // 1x2 -> 1x4 half_pixel: sources -0.25 (edge), 0.25, 0.75, 1.25 (edge); weights exact.
  const ResizeParams p = params(1, 1, 2, 1, 1, 4, ResizeMode::kLinear, ResizeCoord::kHalfPixel);
  EXPECT_EQ(run_s8(p, {0.1f, 0}, {0.1f, 0}, {0, 10}), (std::vector<int8_t>{0, 3, 8, 10}));
  EXPECT_EQ(run_s8(p, {0.1f, 0}, {0.1f, 0}, {-10, 0}), (std::vector<int8_t>{-10, -7, -2, 0}));
  EXPECT_EQ(run_s8(p, {0.1f, 5}, {0.1f, 5}, {-5, 5}), (std::vector<int8_t>{-5, -2, 3, 5}));
}

// Stated bound: the int8 bilinear result is within 0.5 output LSB of the fp32 op on dequantized
// values, plus the weights' rounding (each axis's weight is within 2^-12 of lambda: at most
// 2 * 255 * 2^-12 = 0.125 input LSB), plus 0.01 LSB for float rounding.
TEST(ResizeS8, BilinearWithinBoundOfFloat) {
  test::Rng rng(44);
  for (ResizeCoord coord : kCoords) {
    for (const auto& [in, out] : kSizes) {
      for (bool same : {true, false}) {
        const ResizeParams p = params(2, in, in + 3, 19, out + 2, out, ResizeMode::kLinear, coord);
        const QuantParams qi{rng.uniform(0.01f, 0.05f), rng.int_in(-50, 50)};
        const QuantParams qo =
            same ? qi : QuantParams{rng.uniform(0.01f, 0.05f), rng.int_in(-50, 50)};
        const std::vector<int8_t> x = rng.int8s(p.batch * p.in_h * p.in_w * p.channels);
        const std::vector<int8_t> y = run_s8(p, qi, qo, x);
        std::vector<float> xf(x.size());
        for (size_t i = 0; i < x.size(); ++i)
          xf[i] = dequantize_value(x[i], qi.scale, qi.zero_point);
        std::unique_ptr<ResizeF32> f32;
        ASSERT_TRUE(ResizeF32::create(p, &f32).is_ok());
        std::vector<float> yf(f32->output_size());
        ASSERT_TRUE(f32->run(xf.data(), xf.size(), yf.data(), yf.size()).is_ok());
        ASSERT_EQ(y.size(), yf.size());
        const double bound = 0.5 + 0.125 * qi.scale / qo.scale + 0.01;
        for (size_t i = 0; i < y.size(); ++i) {
          const double exact = std::min(
              127.0, std::max(-128.0, static_cast<double>(yf[i]) / qo.scale + qo.zero_point));
          ASSERT_LE(std::fabs(y[i] - exact), bound) << i << " coord " << static_cast<int>(coord);
        }
      }
    }
  }
}

TEST(ResizeS8, NearestCopiesOrRequantizes) {
  test::Rng rng(45);
  ResizeParams p = params(1, 3, 4, 5, 7, 2, ResizeMode::kNearest, ResizeCoord::kAsymmetric);
  const std::vector<int8_t> x = rng.int8s(3 * 4 * 5);
  std::vector<int8_t> copy(7 * 2 * 5);
  ResizeGeometry g = geometry(1, 3, 4, 5, 7, 2, ResizeCoord::kAsymmetric);
  resize_nearest_reference(g, ResizeNearestMode::kRoundPreferFloor, 1, x.data(), copy.data());
  const QuantParams qi{0.05f, -7};
  EXPECT_EQ(run_s8(p, qi, qi, x), copy);  // equal parameters: the values themselves
  const QuantParams qo{0.03f, 11};
  const std::vector<int8_t> y = run_s8(p, qi, qo, x);
  ASSERT_EQ(y.size(), copy.size());
  for (size_t i = 0; i < y.size(); ++i) {
    const double exact = std::min(
        127.0,
        std::max(-128.0, static_cast<double>(dequantize_value(copy[i], qi.scale, qi.zero_point)) /
                                 qo.scale +
                             qo.zero_point));
    ASSERT_LE(std::fabs(y[i] - exact), 0.5 + 1e-6) << i;
  }
}

// ---- errors

TEST(Resize, RejectsBadParamsWithNamedErrors) {
  std::unique_ptr<ResizeF32> f32;
  std::unique_ptr<ResizeS8> s8;
  ResizeParams p = params(1, 2, 2, 1, 4, 4, ResizeMode::kLinear, ResizeCoord::kHalfPixel);
  ResizeParams bad = p;
  bad.out_h = 0;
  EXPECT_EQ(ResizeF32::create(bad, &f32).message(), "Resize: output height must be >= 1, got 0");
  bad = p;
  bad.channels = 0;
  EXPECT_EQ(ResizeF32::create(bad, &f32).message(), "Resize: channels must be >= 1, got 0");
  bad = p;
  bad.scale_w = -1.0f;
  EXPECT_EQ(ResizeF32::create(bad, &f32).message(),
            "Resize: scale_w must be 0 (sizes given) or a finite number > 0, got -1");
  bad = p;
  bad.scale_h = std::nanf("");
  EXPECT_EQ(ResizeF32::create(bad, &f32).message(),
            "Resize: scale_h must be 0 (sizes given) or a finite number > 0, got nan");
  bad = p;
  bad.in_w = 20000000;
  EXPECT_EQ(ResizeF32::create(bad, &f32).message(),
            "Resize: input width 20000000 exceeds 16777216");
  bad = p;
  bad.out_h = bad.out_w = 65536;
  bad.channels = 1024;
  EXPECT_EQ(ResizeF32::create(bad, &f32).message(),
            "Resize: output: more than 1073741824 elements");
  EXPECT_EQ(ResizeS8::create(p, {0.1f, -129}, {0.1f, 0}, &s8).message(),
            "Resize: input: zero point must be in [-128, 127] for int8, got -129");
  EXPECT_EQ(ResizeS8::create(p, {0.1f, 0}, {0.0f, 0}, &s8).message(),
            "Resize: output: scale must be a finite number > 0, got 0");
  p.mode = ResizeMode::kNearest;
  const std::string too_large = ResizeS8::create(p, {20.0f, 0}, {0.1f, 0}, &s8).message();
  EXPECT_EQ(too_large.rfind("Resize: requantization multiplier 200 is too large", 0), 0u)
      << too_large;
  ASSERT_TRUE(ResizeF32::create(p, &f32).is_ok());
  std::vector<float> x(4), y(16);
  EXPECT_EQ(f32->run(x.data(), 3, y.data(), 16).message(),
            "Resize: input has 3 values, expected 4 (NHWC 1x2x2x1)");
  EXPECT_EQ(f32->run(x.data(), 4, y.data(), 15).message(),
            "Resize: output has room for 15 values, expected 16");
}

}  // namespace
}  // namespace wi8
