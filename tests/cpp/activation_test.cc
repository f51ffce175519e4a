#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "ops/concat.h"
#include "ops/softmax.h"
#include "ops/unary.h"
#include "test_util.h"

namespace wi8 {
namespace {

const UnaryParams kKinds[] = {
    {UnaryKind::kRelu, 0, 0},         {UnaryKind::kClip, 0, 6},
    {UnaryKind::kLeakyRelu, 0.1f, 0}, {UnaryKind::kHardSigmoid, 0.2f, 0.5f},
    {UnaryKind::kHardSwish, 0, 0},    {UnaryKind::kSigmoid, 0, 0},
    {UnaryKind::kTanh, 0, 0},         {UnaryKind::kElu, 1.0f, 0}};

TEST(Unary, Fp32SimdIsBitExactWithReference) {
  test::Rng rng(5);
  for (const UnaryParams& p : kKinds) {
    for (size_t n = 0; n <= 23; ++n) {
      std::vector<float> x = rng.floats(n, -8, 8), ref(n), got(n);
      if (n > 2) {
        x[0] = -0.0f;
        x[1] = std::numeric_limits<float>::quiet_NaN();
      }
      unary_f32_reference(n, x.data(), p, ref.data());
      unary_f32__wasmsimd(n, x.data(), p, got.data());
      // Equal values (the compiler may turn the reference's max(-0, 0) into +0), NaN for NaN.
      for (size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(ref[i] == got[i] || (std::isnan(ref[i]) && std::isnan(got[i])))
            << "kind " << static_cast<int>(p.kind) << " n=" << n << " i=" << i << ": " << ref[i]
            << " vs " << got[i];
      }
    }
  }
}

// int8 through the table is the float function on the dequantized input, rounded once: within
// half an output step of the exact value (before saturation).
TEST(Unary, Int8TableIsTheRoundedFloatFunction) {
  const QuantParams in{0.05f, -10}, out{1.0f / 128, -30};
  for (const UnaryParams& p : kKinds) {
    std::unique_ptr<UnaryS8> op;
    ASSERT_TRUE(UnaryS8::create(p, in, out, &op).is_ok());
    std::vector<int8_t> x(256), y(256);
    for (int i = 0; i < 256; ++i) x[static_cast<size_t>(i)] = static_cast<int8_t>(i - 128);
    ASSERT_TRUE(op->run(x.data(), 256, y.data(), 256).is_ok());
    for (size_t i = 0; i < 256; ++i) {
      const double f = unary_value(p, dequantize_value(x[i], in.scale, in.zero_point));
      const double q = std::min(127.0, std::max(-128.0, f / out.scale + out.zero_point));
      ASSERT_LE(std::fabs(y[i] - q), 0.5 + 1e-4)
          << "kind " << static_cast<int>(p.kind) << " q=" << int{x[i]};
    }
  }
  std::unique_ptr<UnaryS8> op;
  EXPECT_EQ(UnaryS8::create({UnaryKind::kClip, 2, 1}, in, out, &op).message(),
            "activation: Clip needs min <= max");
  ASSERT_TRUE(UnaryS8::create(kKinds[0], in, out, &op).is_ok());
  int8_t a[2] = {}, b[3];
  EXPECT_EQ(op->run(a, 2, b, 3).message(), "activation: output has room for 3 values, input has 2");
}

TEST(Softmax, Int8MatchesFloatOnDequantizedInputs) {
  test::Rng rng(8);
  const QuantParams in{0.1f, 5}, out{1.0f / 256, -128};
  const size_t C = 10, rows = 7;
  std::unique_ptr<SoftmaxS8> op;
  ASSERT_TRUE(SoftmaxS8::create(C, in, &op).is_ok());
  std::vector<int8_t> x = rng.int8s(C * rows), yq(C * rows);
  std::vector<float> xf(C * rows), want(C * rows), got(C * rows);
  for (size_t i = 0; i < x.size(); ++i) xf[i] = dequantize_value(x[i], in.scale, in.zero_point);
  ASSERT_TRUE(softmax_f32(C, xf.data(), xf.size(), want.data(), want.size()).is_ok());
  ASSERT_TRUE(op->run_f32(x.data(), x.size(), got.data(), got.size()).is_ok());
  ASSERT_TRUE(op->run_s8(x.data(), x.size(), out, yq.data(), yq.size()).is_ok());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 1e-5f);
    // int8 output saturates at 255/256.
    EXPECT_LE(std::fabs(dequantize_value(yq[i], out.scale, out.zero_point) -
                        std::min(want[i], 255.0f / 256)),
              out.scale / 2 + 1e-5f);
  }
  EXPECT_EQ(op->run_f32(x.data(), 9, got.data(), 9).message(),
            "Softmax: input has 9 values, not a multiple of the axis size 10");
}

TEST(Concat, CopiesOrRescalesEachInput) {
  // [1, 2, 2, C] along the channel axis with C = 3 and 20 (SIMD path), different params.
  const std::vector<Shape> shapes = {{1, 2, 2, 3}, {1, 2, 2, 20}, {1, 2, 2, 5}};
  const std::vector<QuantParams> params = {{0.1f, 0}, {0.05f, -20}, {0.2f, 7}};
  const QuantParams out{0.1f, 0};
  std::unique_ptr<Concat> op;
  ASSERT_TRUE(Concat::create(shapes, 3, params, out, &op).is_ok());
  EXPECT_EQ(op->output_shape(), (Shape{1, 2, 2, 28}));
  test::Rng rng(3);
  std::vector<std::vector<int8_t>> xs;
  std::vector<const int8_t*> ptrs;
  std::vector<size_t> lens;
  for (const Shape& s : shapes) {
    xs.push_back(rng.int8s(4 * s[3]));
  }
  for (auto& v : xs) {
    ptrs.push_back(v.data());
    lens.push_back(v.size());
  }
  std::vector<int8_t> y(op->output_size());
  ASSERT_TRUE(op->run_s8(ptrs, lens, y.data(), y.size()).is_ok());
  size_t k = 0;
  for (size_t pixel = 0; pixel < 4; ++pixel) {
    for (size_t i = 0; i < shapes.size(); ++i) {
      for (size_t c = 0; c < shapes[i][3]; ++c, ++k) {
        const int8_t q = xs[i][pixel * shapes[i][3] + c];
        const double real = dequantize_value(q, params[i].scale, params[i].zero_point);
        const double want = std::min(127.0, std::max(-128.0, real / out.scale + out.zero_point));
        ASSERT_LE(std::fabs(y[k] - want), 0.5 + 1e-3) << "input " << i << " c " << c;
        if (i == 0) {
          ASSERT_EQ(y[k], q);  // same params: copied
        }
      }
    }
  }
  EXPECT_EQ(Concat::create({{1, 2}, {1, 2, 3}}, 1, {}, out, &op).message(),
            "Concat: input 1 has rank 3, input 0 has 2");
  EXPECT_EQ(Concat::create({{1, 2}, {2, 3}}, 1, {}, out, &op).message(),
            "Concat: input 1 shape [2, 3] differs from input 0 [1, 2] on axis 0");
  EXPECT_EQ(Concat::create({{1, 2}}, 2, {}, out, &op).message(),
            "Concat: axis 2 is out of range for rank 2");
}

}  // namespace
}  // namespace wi8
