#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/quantize/quantize.h"
#include "test_util.h"

namespace wi8 {
namespace {

TEST(QuantizeKernel, SimdIsBitExactWithReference) {
  test::Rng rng(42);
  const float specials[] = {0.0f,
                            -0.0f,
                            0.5f,
                            -0.5f,
                            1.5f,
                            2.5f,
                            -2.5f,
                            1e10f,
                            -1e10f,
                            3e9f,
                            -3e9f,
                            2147483520.0f,
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::denorm_min()};
  const float scales[] = {1.0f, 0.5f, 0.0039215689f, 1e-8f, 3.0f, 1e-30f, 1e30f};
  const int32_t zps[] = {0, -128, 127, -1, 13};
  for (size_t n = 0; n <= 70; ++n) {
    for (float scale : scales) {
      for (int32_t zp : zps) {
        std::vector<float> x = rng.floats(n, -200.0f, 200.0f);
        for (size_t i = 0; i < n; i += 3)
          x[i] = specials[rng.int_in(0, 15)] * (i % 2 ? scale : 1.0f);
        std::vector<int8_t> ref(n), simd(n);
        quantize_f32_s8_reference(n, x.data(), scale, zp, ref.data());
        quantize_f32_s8__wasmsimd(n, x.data(), scale, zp, simd.data());
        ASSERT_EQ(ref, simd) << "n=" << n << " scale=" << scale << " zp=" << zp;
      }
    }
  }
}

TEST(DequantizeKernel, SimdIsBitExactWithReference) {
  test::Rng rng(43);
  const float scales[] = {1.0f, 0.0039215689f, 1e-30f, 1e30f, 0.1f};
  const int32_t zps[] = {0, -128, 127, 5};
  for (size_t n = 0; n <= 70; ++n) {
    for (float scale : scales) {
      for (int32_t zp : zps) {
        std::vector<int8_t> x = rng.int8s(n);
        std::vector<float> ref(n), simd(n);
        dequantize_s8_f32_reference(n, x.data(), scale, zp, ref.data());
        dequantize_s8_f32__wasmsimd(n, x.data(), scale, zp, simd.data());
        ASSERT_EQ(0, n ? std::memcmp(ref.data(), simd.data(), n * sizeof(float)) : 0)
            << "n=" << n << " scale=" << scale << " zp=" << zp;
      }
    }
  }
}

TEST(QuantizeKernel, RoundTripErrorIsAtMostHalfAStep) {
  test::Rng rng(44);
  const float scale = 0.02f;
  const int32_t zp = -7;
  std::vector<float> x = rng.floats(1000, scale * (-128 - zp), scale * (127 - zp));
  std::vector<int8_t> q(x.size());
  std::vector<float> back(x.size());
  quantize_f32_s8__wasmsimd(x.size(), x.data(), scale, zp, q.data());
  dequantize_s8_f32__wasmsimd(q.size(), q.data(), scale, zp, back.data());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_LE(std::fabs(back[i] - x[i]), scale * 0.5f * (1 + 1e-5f)) << "x=" << x[i];
  }
}

}  // namespace
}  // namespace wi8
