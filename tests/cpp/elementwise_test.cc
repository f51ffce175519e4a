#include "kernels/elementwise/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "ops/elementwise.h"
#include "ops/quantize.h"
#include "test_util.h"

namespace wi8 {
namespace {

AddS8Params random_add(test::Rng& rng) {
  AddS8Params p;
  const double real[2] = {std::pow(10.0, rng.uniform(-2.5f, 2.5f)),
                          std::pow(10.0, rng.uniform(-2.5f, 2.5f))};
  EXPECT_TRUE(compute_rescale(real, 2, &p.rescale).is_ok());
  p.a_zero_point = rng.int_in(-128, 127);
  p.b_zero_point = rng.int_in(-128, 127);
  p.y_zero_point = rng.int_in(-128, 127);
  p.qmin = static_cast<int8_t>(rng.int_in(-128, -60));
  p.qmax = static_cast<int8_t>(rng.int_in(60, 127));
  return p;
}

TEST(ElementwiseKernels, Int8SimdIsBitExactWithReference) {
  test::Rng rng(17);
  for (size_t n = 0; n <= 70; ++n) {
    for (size_t a_inc : {0, 1}) {
      for (size_t b_inc : {0, 1}) {
        std::vector<int8_t> a = rng.int8s(n ? n : 1), b = rng.int8s(n ? n : 1);
        std::vector<int8_t> ref(n), got(n);
        const AddS8Params add = random_add(rng);
        add_s8_reference(n, a.data(), a_inc, b.data(), b_inc, add, ref.data());
        add_s8__wasmsimd(n, a.data(), a_inc, b.data(), b_inc, add, got.data());
        ASSERT_EQ(ref, got) << "add n=" << n << " inc " << a_inc << b_inc;

        MulS8Params mul;
        const double real = std::pow(10.0, rng.uniform(-5.0f, 0.5f));
        Requantization rq;
        ASSERT_TRUE(compute_requantization(&real, 1, &rq).is_ok());
        mul.multiplier = rq.multiplier[0];
        mul.shift = rq.shift;
        mul.a_zero_point = rng.int_in(-128, 127);
        mul.b_zero_point = rng.int_in(-128, 127);
        mul.y_zero_point = rng.int_in(-128, 127);
        mul_s8_reference(n, a.data(), a_inc, b.data(), b_inc, mul, ref.data());
        mul_s8__wasmsimd(n, a.data(), a_inc, b.data(), b_inc, mul, got.data());
        ASSERT_EQ(ref, got) << "mul n=" << n << " shift " << mul.shift;

        RescaleS8Params rs;
        const double r1 = std::pow(10.0, rng.uniform(-3.0f, 3.0f));
        ASSERT_TRUE(compute_rescale(&r1, 1, &rs.rescale).is_ok());
        rs.x_zero_point = rng.int_in(-128, 127);
        rs.y_zero_point = rng.int_in(-128, 127);
        if (n) {
          rescale_s8_reference(n, a.data(), rs, ref.data());
          rescale_s8__wasmsimd(n, a.data(), rs, got.data());
          ASSERT_EQ(ref, got) << "rescale n=" << n;
        }
      }
    }
  }
}

TEST(ElementwiseKernels, Fp32SimdIsBitExactWithReference) {
  test::Rng rng(18);
  for (size_t n = 0; n <= 37; ++n) {
    for (size_t a_inc : {0, 1}) {
      std::vector<float> a = rng.floats(n + 1, -3, 3), b = rng.floats(n + 1, -3, 3);
      if (n > 3) {
        a[1] = std::numeric_limits<float>::quiet_NaN();
        a[2] = -0.0f;
      }
      std::vector<float> ref(n), got(n);
      add_f32_reference(n, a.data(), a_inc, b.data(), 1, 0.0f, 6.0f, ref.data());
      add_f32__wasmsimd(n, a.data(), a_inc, b.data(), 1, 0.0f, 6.0f, got.data());
      ASSERT_EQ(0, n ? std::memcmp(ref.data(), got.data(), n * sizeof(float)) : 0) << "add n=" << n;
      mul_f32_reference(n, a.data(), a_inc, b.data(), 1, -1.0f, 1e30f, ref.data());
      mul_f32__wasmsimd(n, a.data(), a_inc, b.data(), 1, -1.0f, 1e30f, got.data());
      ASSERT_EQ(0, n ? std::memcmp(ref.data(), got.data(), n * sizeof(float)) : 0) << "mul n=" << n;
      sub_f32_reference(n, a.data(), a_inc, b.data(), 1, -2.0f, 2.0f, ref.data());
      sub_f32__wasmsimd(n, a.data(), a_inc, b.data(), 1, -2.0f, 2.0f, got.data());
      ASSERT_EQ(0, n ? std::memcmp(ref.data(), got.data(), n * sizeof(float)) : 0) << "sub n=" << n;
      div_f32_reference(n, a.data(), a_inc, b.data(), 1, -1e30f, 1e30f, ref.data());
      div_f32__wasmsimd(n, a.data(), a_inc, b.data(), 1, -1e30f, 1e30f, got.data());
      ASSERT_EQ(0, n ? std::memcmp(ref.data(), got.data(), n * sizeof(float)) : 0) << "div n=" << n;
    }
  }
}

// Index of output element `i` in an operand of shape `s` broadcast to `out`.
size_t source_index(size_t i, const Shape& out, const Shape& s) {
  size_t idx = 0, stride = 1;
  for (size_t ax = out.size(); ax-- > 0;) {
    const size_t coord = i % out[ax];
    i /= out[ax];
    const size_t sax = ax + s.size() - out.size();
    if (ax + s.size() >= out.size()) {
      const size_t d = s[sax];
      idx += (d == 1 ? 0 : coord) * stride;
      stride *= d;
    }
  }
  return idx;
}

TEST(BinaryOps, BroadcastingMatchesExplicitIndexing) {
  test::Rng rng(23);
  const std::pair<Shape, Shape> cases[] = {{{2, 3, 4}, {4}},
                                           {{2, 1, 4}, {3, 1}},
                                           {{1}, {5}},
                                           {{2, 3}, {2, 3}},
                                           {{}, {3}},
                                           {{1, 7, 7, 32}, {1, 1, 1, 32}},
                                           {{2, 5, 1, 3}, {5, 4, 1}},
                                           {{3, 1, 1}, {1, 2, 17}},
                                           {{1, 4, 4, 1}, {1, 4, 4, 16}}};
  for (const auto& [sa, sb] : cases) {
    for (BinaryOpKind kind : {BinaryOpKind::kAdd, BinaryOpKind::kMul}) {
      const QuantParams qa{0.05f, 3}, qb{0.02f, -7},
          qy{kind == BinaryOpKind::kAdd ? 0.08f : 0.01f, 1};
      std::unique_ptr<BinaryS8> op;
      ASSERT_TRUE(BinaryS8::create(kind, sa, qa, sb, qb, qy, Activation::none(), &op).is_ok());
      size_t na, nb;
      ASSERT_TRUE(checked_elements(sa, "a", &na).is_ok());
      ASSERT_TRUE(checked_elements(sb, "b", &nb).is_ok());
      std::vector<int8_t> a = rng.int8s(na), b = rng.int8s(nb), y(op->output_size());
      ASSERT_TRUE(op->run(a.data(), na, b.data(), nb, y.data(), y.size()).is_ok());
      std::unique_ptr<BinaryF32> fop;
      ASSERT_TRUE(BinaryF32::create(kind, sa, sb, Activation::none(), &fop).is_ok());
      std::vector<float> fa(na), fb(nb), fy(fop->output_size());
      for (size_t i = 0; i < na; ++i) fa[i] = dequantize_value(a[i], qa.scale, qa.zero_point);
      for (size_t i = 0; i < nb; ++i) fb[i] = dequantize_value(b[i], qb.scale, qb.zero_point);
      ASSERT_TRUE(fop->run(fa.data(), na, fb.data(), nb, fy.data(), fy.size()).is_ok());
      for (size_t i = 0; i < y.size(); ++i) {
        const float xa = fa[source_index(i, op->output_shape(), sa)];
        const float xb = fb[source_index(i, op->output_shape(), sb)];
        const float want = kind == BinaryOpKind::kAdd ? xa + xb : xa * xb;
        ASSERT_FLOAT_EQ(fy[i], want) << shape_string(sa) << " " << shape_string(sb) << " @" << i;
        // int8 within 1 LSB of the exact real result (clamped to the int8 range).
        const double q_exact =
            std::min(127.0, std::max(-128.0, static_cast<double>(want) / qy.scale + qy.zero_point));
        ASSERT_LE(std::fabs(y[i] - q_exact), 0.5 + 1e-3)
            << shape_string(sa) << " " << shape_string(sb) << " @" << i;
      }
    }
  }
}

TEST(BinaryOps, ErrorsNameTheProblem) {
  std::unique_ptr<BinaryS8> op;
  const QuantParams q{0.1f, 0};
  Status s = BinaryS8::create(BinaryOpKind::kAdd, {2, 3}, q, {4}, q, q, Activation::none(), &op);
  EXPECT_EQ(s.message(), "Add: shapes [2, 3] and [4] do not broadcast (axis 1: 3 vs 4)");
  s = BinaryS8::create(BinaryOpKind::kMul, {2}, {0.1f, 300}, {2}, q, q, Activation::none(), &op);
  EXPECT_EQ(s.message(), "Mul: input A: zero point must be in [-128, 127] for int8, got 300");
  s = BinaryS8::create(BinaryOpKind::kAdd, {2}, {1e9f, 0}, {2}, q, {1e-9f, 0}, Activation::none(),
                       &op);
  EXPECT_NE(s.message().find("Add: rescale multiplier of input 0"), std::string::npos)
      << s.message();
  ASSERT_TRUE(
      BinaryS8::create(BinaryOpKind::kAdd, {2, 2}, q, {2}, q, q, Activation::relu(), &op).is_ok());
  int8_t a[4] = {}, b[2] = {}, y[4];
  EXPECT_EQ(op->run(a, 3, b, 2, y, 4).message(), "Add: input A has 3 values, expected 4");
  EXPECT_EQ(op->run(a, 4, b, 2, y, 5).message(), "Add: output has room for 5 values, expected 4");
  EXPECT_TRUE(op->run(a, 4, b, 2, y, 4).is_ok());
}

}  // namespace
}  // namespace wi8

namespace wi8 {
namespace {

TEST(QuantizeOps, RequantizeIsWithinHalfAStepAndOpsCheckLengths) {
  test::Rng rng(31);
  const QuantParams in{0.037f, 12}, out{0.011f, -40};
  Requantize rq;
  ASSERT_TRUE(Requantize::create(in, out, &rq).is_ok());
  std::vector<int8_t> x = rng.int8s(100), y(100);
  ASSERT_TRUE(rq.run(x.data(), 100, y.data(), 100).is_ok());
  for (size_t i = 0; i < 100; ++i) {
    const double real = dequantize_value(x[i], in.scale, in.zero_point);
    const double want = std::min(127.0, std::max(-128.0, real / out.scale + out.zero_point));
    ASSERT_LE(std::fabs(y[i] - want), 0.5 + 1e-3);
  }
  EXPECT_EQ(rq.run(x.data(), 100, y.data(), 99).message(),
            "Requantize: output has room for 99 values, input has 100");
  std::vector<float> f(100);
  EXPECT_EQ(dequantize_tensor(x.data(), 100, {0.0f, 0}, f.data(), 100).message(),
            "DequantizeLinear: scale must be a finite number > 0, got 0");
  ASSERT_TRUE(dequantize_tensor(x.data(), 100, in, f.data(), 100).is_ok());
  std::vector<int8_t> back(100);
  ASSERT_TRUE(quantize_tensor(f.data(), 100, in, back.data(), 100).is_ok());
  EXPECT_EQ(back, x);
}

}  // namespace
}  // namespace wi8
