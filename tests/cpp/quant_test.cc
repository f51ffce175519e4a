#include "quant/quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_util.h"

namespace wi8 {
namespace {

// The exact real-number answer, checked without the implementation's formula: r is
// acc * M / 2^S rounded to nearest, ties toward +infinity, iff
//   (2r - 1) * 2^(S-1) <= acc * M < (2r + 1) * 2^(S-1).
bool is_correct_rounding(int32_t acc, int32_t m, int shift, int64_t r) {
  const __int128 p = static_cast<__int128>(acc) * m;
  const __int128 half = static_cast<__int128>(1) << (shift - 1);
  return (2 * static_cast<__int128>(r) - 1) * half <= p &&
         p < (2 * static_cast<__int128>(r) + 1) * half;
}

int64_t exact_unsaturated(int32_t acc, int32_t m, int shift) {
  // Search around the long double estimate; the predicate above decides.
  const long double est = std::ldexp(static_cast<long double>(acc) * m, -shift);
  const int64_t base = static_cast<int64_t>(std::floor(est));
  for (int64_t r = base - 2; r <= base + 2; ++r) {
    if (is_correct_rounding(acc, m, shift, r)) return r;
  }
  ADD_FAILURE() << "no rounding candidate for acc=" << acc << " m=" << m << " shift=" << shift;
  return 0;
}

int32_t saturate32(int64_t v) {
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, INT32_MIN), INT32_MAX));
}

TEST(Requantize, EdgeCasesMatchExactArithmetic) {
  const int32_t accs[] = {0,
                          1,
                          -1,
                          2,
                          -2,
                          3,
                          -3,
                          127,
                          -128,
                          65535,
                          -65536,
                          1 << 20,
                          -(1 << 20),
                          INT32_MAX,
                          INT32_MIN,
                          INT32_MAX - 1,
                          INT32_MIN + 1};
  const int32_t mults[] = {
      0, 1, 2, 3, 1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MAX - 1, 1518500250, 1073741823};
  const int shifts[] = {kMinRequantShift, 25, 30, 31, 32, 33, 40, 47, 55, 61, kMaxRequantShift};
  for (int32_t acc : accs) {
    for (int32_t m : mults) {
      for (int s : shifts) {
        const int32_t got = requantize(acc, m, s);
        EXPECT_EQ(got, saturate32(exact_unsaturated(acc, m, s)))
            << "acc=" << acc << " m=" << m << " shift=" << s;
      }
    }
  }
}

TEST(Requantize, RandomMatchExactArithmetic) {
  test::Rng rng(1234);
  for (int i = 0; i < 200000; ++i) {
    const int32_t acc = rng.int_in(INT32_MIN, INT32_MAX) >> rng.int_in(0, 31);
    const int32_t m = rng.int_in(0, INT32_MAX) >> rng.int_in(0, 31);
    const int s = rng.int_in(kMinRequantShift, kMaxRequantShift);
    ASSERT_EQ(requantize(acc, m, s), saturate32(exact_unsaturated(acc, m, s)))
        << "acc=" << acc << " m=" << m << " shift=" << s;
  }
}

TEST(Requantize, TiesRoundTowardPlusInfinity) {
  // M = 2^30, S = 31: multiplier 0.5, so odd accumulators land exactly on .5.
  EXPECT_EQ(requantize(1, 1 << 30, 31), 1);    // 0.5 -> 1
  EXPECT_EQ(requantize(-1, 1 << 30, 31), 0);   // -0.5 -> 0
  EXPECT_EQ(requantize(3, 1 << 30, 31), 2);    // 1.5 -> 2
  EXPECT_EQ(requantize(-3, 1 << 30, 31), -1);  // -1.5 -> -1
  EXPECT_EQ(requantize(5, 1 << 30, 31), 3);    // 2.5 -> 3
  // Just below / above a tie.
  EXPECT_EQ(requantize(-3, (1 << 30) + 1, 31), -2);
  EXPECT_EQ(requantize(3, (1 << 30) - 1, 31), 1);
}

TEST(Requantize, SaturatesLargeMultipliers) {
  EXPECT_EQ(requantize(INT32_MAX, INT32_MAX, kMinRequantShift), INT32_MAX);
  EXPECT_EQ(requantize(INT32_MIN, INT32_MAX, kMinRequantShift), INT32_MIN);
  EXPECT_EQ(requantize_to_int8(1 << 20, 1 << 30, 31, 10, -128, 127), 127);
  EXPECT_EQ(requantize_to_int8(-(1 << 20), 1 << 30, 31, 10, -128, 127), -128);
  EXPECT_EQ(requantize_to_int8(100, 1 << 30, 31, 10, -128, 127), 60);
  EXPECT_EQ(requantize_to_int8(100, 1 << 30, 31, 10, 0, 55), 55);
}

TEST(ComputeRequantization, MultipliersApproximateRealsWithinHalfAStep) {
  test::Rng rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const size_t n = static_cast<size_t>(rng.int_in(1, 40));
    const double top = std::ldexp(1.0, rng.int_in(-40, 6));
    std::vector<double> real(n);
    for (auto& r : real) r = top * rng.uniform(0.0f, 1.0f);
    real[0] = top;
    Requantization rq;
    ASSERT_TRUE(compute_requantization(real.data(), n, &rq).is_ok());
    ASSERT_GE(rq.shift, kMinRequantShift);
    ASSERT_LE(rq.shift, kMaxRequantShift);
    if (rq.shift < kMaxRequantShift) {  // the largest multiplier keeps 31 significant bits
      EXPECT_GE(rq.multiplier[0], 1 << 30) << "top=" << top;
    }
    for (size_t c = 0; c < n; ++c) {
      EXPECT_GE(rq.multiplier[c], 0);
      EXPECT_LE(std::fabs(std::ldexp(static_cast<double>(rq.multiplier[c]), -rq.shift) - real[c]),
                std::ldexp(0.5, -rq.shift) * (1 + 1e-12));
    }
  }
}

TEST(ComputeRequantization, TinyMultipliersBecomeZeroAndLargeOnesAreRejected) {
  Requantization rq;
  const double tiny[] = {1e-30, 0.0};
  ASSERT_TRUE(compute_requantization(tiny, 2, &rq).is_ok());
  EXPECT_EQ(rq.shift, kMaxRequantShift);
  EXPECT_EQ(rq.multiplier[0], 0);
  const double big[] = {1000.0};
  Status s = compute_requantization(big, 1, &rq);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("too large"), std::string::npos) << s.message();
  const double bad[] = {0.5, std::nan("")};
  s = compute_requantization(bad, 2, &rq);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("channel 1"), std::string::npos) << s.message();
}

// The GEMM-family choice: S = 32 when every channel keeps >= 16 bits there, else the precise one.
TEST(ComputeRequantizationGemm, UsesShift32WhenEveryChannelKeeps16Bits) {
  test::Rng rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    const size_t n = static_cast<size_t>(rng.int_in(1, 40));
    const double top = std::ldexp(1.0, rng.int_in(-20, 2)) * rng.uniform(0.5f, 1.0f);
    std::vector<double> real(n);
    for (auto& r : real) r = top * std::ldexp(1.0, -rng.int_in(0, 8)) * rng.uniform(0.5f, 1.0f);
    real[0] = top;
    double lo = top;
    for (double r : real) lo = std::min(lo, r);
    Requantization gemm, precise;
    ASSERT_TRUE(compute_requantization_gemm(real.data(), n, &gemm).is_ok());
    ASSERT_TRUE(compute_requantization(real.data(), n, &precise).is_ok());
    const bool fits = std::nearbyint(std::ldexp(top, 32)) < 2147483648.0;
    const bool keeps16 = lo >= std::ldexp(1.0, -17);
    if (precise.shift > kGemmRequantShift && fits && keeps16) {
      ASSERT_EQ(gemm.shift, kGemmRequantShift) << "top=" << top << " lo=" << lo;
      for (size_t c = 0; c < n; ++c) {
        EXPECT_GE(gemm.multiplier[c], 1 << 15);
        EXPECT_LE(std::fabs(std::ldexp(static_cast<double>(gemm.multiplier[c]), -32) - real[c]),
                  std::ldexp(0.5, -32) * (1 + 1e-12));
      }
    } else {
      ASSERT_EQ(gemm.shift, precise.shift) << "top=" << top << " lo=" << lo;
      EXPECT_EQ(gemm.multiplier, precise.multiplier);
    }
  }
}

TEST(ComputeRequantizationGemm, KeepsThePreciseShiftForTinyOrLargeChannels) {
  Requantization rq;
  const double tiny_channel[] = {0.01, 1e-6};  // 1e-6 * 2^32 < 2^15
  ASSERT_TRUE(compute_requantization_gemm(tiny_channel, 2, &rq).is_ok());
  EXPECT_GT(rq.shift, kGemmRequantShift);
  const double large[] = {0.75, 0.01};  // 0.75 * 2^32 does not fit int32
  ASSERT_TRUE(compute_requantization_gemm(large, 2, &rq).is_ok());
  EXPECT_LT(rq.shift, kGemmRequantShift);
  const double typical[] = {0.003, 0.0007, 0.0001};
  ASSERT_TRUE(compute_requantization_gemm(typical, 3, &rq).is_ok());
  EXPECT_EQ(rq.shift, kGemmRequantShift);
  EXPECT_EQ(rq.multiplier[0], static_cast<int32_t>(std::nearbyint(0.003 * 4294967296.0)));
  // On in-range outputs, the result is within 1/256 of a step of acc * real rounded: the rule
  // stays "round to nearest" up to that margin.
  test::Rng rng(3);
  for (int i = 0; i < 20000; ++i) {
    const size_t c = static_cast<size_t>(rng.int_in(0, 2));
    const int32_t acc = rng.int_in(-1000000, 1000000);
    const double exact = acc * typical[c];
    if (std::fabs(exact) > 256) continue;
    const int32_t r = requantize(acc, rq.multiplier[c], rq.shift);
    const double frac = exact - std::floor(exact);
    if (std::fabs(frac - 0.5) > 1.0 / 256) {
      EXPECT_EQ(r, static_cast<int32_t>(std::floor(exact + 0.5))) << acc << " ch " << c;
    }
  }
}

TEST(QuantizeValue, RoundsHalfToEvenAndSaturates) {
  EXPECT_EQ(quantize_value(0.5f, 1.0f, 0), 0);
  EXPECT_EQ(quantize_value(1.5f, 1.0f, 0), 2);
  EXPECT_EQ(quantize_value(2.5f, 1.0f, 0), 2);
  EXPECT_EQ(quantize_value(-0.5f, 1.0f, 0), 0);
  EXPECT_EQ(quantize_value(-1.5f, 1.0f, 0), -2);
  EXPECT_EQ(quantize_value(1e10f, 1.0f, -5), 127);
  EXPECT_EQ(quantize_value(-1e10f, 1.0f, 5), -128);
  EXPECT_EQ(quantize_value(std::numeric_limits<float>::infinity(), 0.1f, 0), 127);
  EXPECT_EQ(quantize_value(-std::numeric_limits<float>::infinity(), 0.1f, 0), -128);
  EXPECT_EQ(quantize_value(std::nanf(""), 0.1f, 17), 17);
  EXPECT_EQ(quantize_value(1.0f, 0.25f, -10), -6);
}

TEST(ChooseActivationParams, ZeroIsExactAndRangeIsCovered) {
  test::Rng rng(99);
  for (int i = 0; i < 5000; ++i) {
    float a = rng.uniform(-100.0f, 100.0f) * std::pow(10.0f, static_cast<float>(rng.int_in(-4, 2)));
    float b = rng.uniform(-100.0f, 100.0f) * std::pow(10.0f, static_cast<float>(rng.int_in(-4, 2)));
    const float lo = std::min(a, b), hi = std::max(a, b);
    QuantParams p;
    ASSERT_TRUE(choose_activation_params(lo, hi, &p).is_ok());
    ASSERT_TRUE(validate_int8_params(p, "t").is_ok());
    EXPECT_EQ(dequantize_value(quantize_value(0.0f, p.scale, p.zero_point), p.scale, p.zero_point),
              0.0f);
    // The nudged range [scale*(-128-zp), scale*(127-zp)] covers [min(lo,0), max(hi,0)] to within
    // one step (the zero point was rounded).
    EXPECT_LE(p.scale * static_cast<float>(-128 - p.zero_point), std::min(lo, 0.0f) + p.scale);
    EXPECT_GE(p.scale * static_cast<float>(127 - p.zero_point), std::max(hi, 0.0f) - p.scale);
  }
}

TEST(ChooseActivationParams, RejectsBadRanges) {
  QuantParams p;
  EXPECT_FALSE(choose_activation_params(1.0f, -1.0f, &p).is_ok());
  EXPECT_FALSE(choose_activation_params(std::nanf(""), 1.0f, &p).is_ok());
  EXPECT_FALSE(choose_activation_params(0.0f, std::numeric_limits<float>::infinity(), &p).is_ok());
  ASSERT_TRUE(choose_activation_params(0.0f, 0.0f, &p).is_ok());
  EXPECT_EQ(p.zero_point, 0);
  ASSERT_TRUE(choose_activation_params(0.0f, 2.55f, &p).is_ok());
  EXPECT_EQ(p.zero_point, -128);
  ASSERT_TRUE(choose_activation_params(-2.55f, 0.0f, &p).is_ok());
  EXPECT_EQ(p.zero_point, 127);
}

TEST(ActivationRange, ReluAndRelu6ClampAtQuantizedZeroAndSix) {
  const QuantParams out{0.05f, -20};
  int8_t lo, hi;
  ASSERT_TRUE(quantized_activation_range(Activation::relu(), out, &lo, &hi).is_ok());
  EXPECT_EQ(lo, -20);
  EXPECT_EQ(hi, 127);
  ASSERT_TRUE(quantized_activation_range(Activation::relu6(), out, &lo, &hi).is_ok());
  EXPECT_EQ(lo, -20);
  EXPECT_EQ(hi, 100);  // 6 / 0.05 - 20
  ASSERT_TRUE(quantized_activation_range(Activation::none(), out, &lo, &hi).is_ok());
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, 127);
  EXPECT_FALSE(quantized_activation_range(Activation{2.0f, 1.0f}, out, &lo, &hi).is_ok());
}

TEST(WeightQuantization, PerChannelSymmetric) {
  const float w[] = {1.0f, -0.5f, 0.25f, 0.0f, 0.0f, 0.0f, -3.0f, 1.5f, 0.01f};
  int8_t q[9];
  float scales[3];
  quantize_weights_per_channel(w, 3, 3, q, scales);
  EXPECT_FLOAT_EQ(scales[0], 1.0f / 127);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], -64);        // -63.5 -> -64 (half to even)
  EXPECT_EQ(scales[1], 1.0f);  // all-zero channel
  EXPECT_EQ(q[6], -127);
  EXPECT_EQ(q[7], 64);  // 63.5 -> 64
  EXPECT_EQ(quantize_bias(1.0f, 0.5f, 0.25f), 8);
  EXPECT_EQ(quantize_bias(1e30f, 1e-10f, 1e-10f), INT32_MAX);
}

}  // namespace
}  // namespace wi8
