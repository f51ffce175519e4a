#include "kernels/gemm/gemm_f32.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "float_compare.h"
#include "ops/fully_connected_f32.h"
#include "test_util.h"

namespace wi8 {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

const struct {
  const char* name;
  GemmF32Fn fn;
  size_t nr;
} kVariants[] = {{"4x8 splat", gemm_f32_4x8__wasmsimd_splat, 8},
                 {"4x8 loadsplat", gemm_f32_4x8__wasmsimd_loadsplat, 8},
                 {"3x8 loadsplat", gemm_f32_3x8__wasmsimd_loadsplat, 8},
                 {"2x16 loadsplat", gemm_f32_2x16__wasmsimd_loadsplat, 16}};

using test::close_f32;

struct Case {
  size_t M, N, K;
  float out_min, out_max;
  bool bias;
};

// Runs every packed microkernel and the reference on the same random problem, with row strides
// larger than the rows (x and y), and checks that nothing outside the M x N outputs is written.
void check_case(const Case& c, test::Rng& rng) {
  const size_t x_stride = c.K + 3, y_stride = c.N + 5;
  std::vector<float> x = rng.floats(c.M * x_stride, -1.0f, 1.0f);
  std::vector<float> w = rng.floats(c.N * c.K, -1.0f, 1.0f);
  std::vector<float> bias = rng.floats(c.N, -2.0f, 2.0f);
  const float* b = c.bias ? bias.data() : nullptr;
  constexpr float kSentinel = 12345.0f;
  std::vector<float> want(c.M * y_stride, kSentinel);
  gemm_f32_reference(c.M, c.N, c.K, x.data(), x_stride, w.data(), b, c.out_min, c.out_max,
                     want.data(), y_stride);
  for (const auto& v : kVariants) {
    const PackedGemmF32 packed = pack_gemm_f32(c.N, c.K, w.data(), b, v.nr);
    std::vector<float> got(c.M * y_stride, kSentinel);
    v.fn(c.M, x.data(), x_stride, packed, c.out_min, c.out_max, got.data(), y_stride);
    for (size_t m = 0; m < c.M; ++m) {
      for (size_t n = 0; n < y_stride; ++n) {
        const size_t i = m * y_stride + n;
        if (n >= c.N) {
          ASSERT_EQ(got[i], kSentinel) << v.name << " wrote past N: M=" << c.M << " N=" << c.N
                                       << " K=" << c.K << " at " << m << "," << n;
          continue;
        }
        ASSERT_TRUE(close_f32(got[i], want[i]))
            << v.name << " M=" << c.M << " N=" << c.N << " K=" << c.K << " at " << m << "," << n
            << " clamp [" << c.out_min << ", " << c.out_max << "]";
      }
    }
  }
}

// A random clamp: none, ReLU, ReLU6 or random bounds (often cutting into the outputs).
void random_clamp(test::Rng& rng, float* lo, float* hi) {
  switch (rng.int_in(0, 3)) {
    case 0:
      *lo = -kInf;
      *hi = kInf;
      break;
    case 1:
      *lo = 0.0f;
      *hi = kInf;
      break;
    case 2:
      *lo = 0.0f;
      *hi = 6.0f;
      break;
    default:
      *lo = rng.uniform(-2.0f, 0.0f);
      *hi = rng.uniform(0.0f, 2.0f);
  }
}

TEST(GemmF32, MicrokernelsMatchReferenceOnEdgeSizes) {
  test::Rng rng(31);
  // Every M, N, K around the tiles: M not a multiple of 2, 3, 4; N of 8, 16; K of 4.
  for (size_t M = 1; M <= 9; ++M) {
    for (size_t N = 1; N <= 17; ++N) {
      for (size_t K = 1; K <= 20; ++K) {
        float lo, hi;
        random_clamp(rng, &lo, &hi);
        check_case({M, N, K, lo, hi, rng.int_in(0, 3) != 0}, rng);
      }
    }
  }
}

TEST(GemmF32, MicrokernelsMatchReferenceOnRandomShapes) {
  test::Rng rng(32);
  for (int i = 0; i < 40; ++i) {
    float lo, hi;
    random_clamp(rng, &lo, &hi);
    check_case({static_cast<size_t>(rng.int_in(1, 40)), static_cast<size_t>(rng.int_in(1, 90)),
                static_cast<size_t>(rng.int_in(1, 400)), lo, hi, true},
               rng);
  }
  // Several column chunks (the packed weights exceed the kernels' chunk), and a block larger than
  // a chunk (K = 1100: one block per chunk).
  check_case({13, 300, 100, -kInf, kInf, true}, rng);
  check_case({6, 37, 1100, -kInf, kInf, true}, rng);
}

// The float32 reference is within the classic bound of a float64 dot product:
// |fl(sum) - sum| <= (K + 1) * u * (|bias| + sum |x w|), u = 2^-24.
TEST(GemmF32, ReferenceWithinRoundingBoundOfFloat64) {
  test::Rng rng(33);
  for (size_t K : {1u, 7u, 64u, 1000u, 4099u}) {
    const size_t M = 3, N = 5;
    std::vector<float> x = rng.floats(M * K, -1.0f, 1.0f), w = rng.floats(N * K, -1.0f, 1.0f);
    std::vector<float> bias = rng.floats(N, -1.0f, 1.0f), y(M * N);
    gemm_f32_reference(M, N, K, x.data(), K, w.data(), bias.data(), -kInf, kInf, y.data(), N);
    for (size_t m = 0; m < M; ++m) {
      for (size_t n = 0; n < N; ++n) {
        double exact = bias[n], magnitude = std::fabs(bias[n]);
        for (size_t k = 0; k < K; ++k) {
          const double p = static_cast<double>(x[m * K + k]) * w[n * K + k];
          exact += p;
          magnitude += std::fabs(p);
        }
        const double bound = static_cast<double>(K + 1) * std::ldexp(1.0, -24) * magnitude;
        EXPECT_LE(std::fabs(y[m * N + n] - exact), bound) << "K=" << K;
      }
    }
  }
}

TEST(GemmF32, ClampKeepsNaNAndInfinities) {
  // Row 0 has a NaN input, row 1 huge values (inf after the sum), row 2 ordinary values.
  const size_t M = 3, N = 3, K = 2;
  const float big = std::numeric_limits<float>::max();
  const std::vector<float> x = {std::nanf(""), 1.0f, big, big, 1.0f, -1.0f};
  const std::vector<float> w = {1.0f, 1.0f, 2.0f, 2.0f, -3.0f, 0.5f};
  for (float lo : {-kInf, 0.0f}) {
    for (float hi : {kInf, 6.0f}) {
      std::vector<float> want(M * N);
      gemm_f32_reference(M, N, K, x.data(), K, w.data(), nullptr, lo, hi, want.data(), N);
      EXPECT_TRUE(std::isnan(want[0]));
      EXPECT_EQ(want[3], hi);  // +inf clamped to hi (or kept)
      for (const auto& v : kVariants) {
        const PackedGemmF32 packed = pack_gemm_f32(N, K, w.data(), nullptr, v.nr);
        std::vector<float> got(M * N);
        v.fn(M, x.data(), K, packed, lo, hi, got.data(), N);
        for (size_t i = 0; i < M * N; ++i) {
          EXPECT_TRUE(close_f32(got[i], want[i]))
              << v.name << " at " << i << " [" << lo << ", " << hi << "]";
        }
      }
    }
  }
}

TEST(GemmF32, PackingLayout) {
  // N = 10, K = 3, nr = 8: two blocks of (1 + 3) x 8; channels 10..15 zero.
  std::vector<float> w(30), bias(10);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i + 1);
  for (size_t i = 0; i < bias.size(); ++i) bias[i] = -static_cast<float>(i + 1);
  const PackedGemmF32 p = pack_gemm_f32(10, 3, w.data(), bias.data(), 8);
  ASSERT_EQ(p.data.size(), 2u * 4u * 8u);
  EXPECT_EQ(p.data[0], -1.0f);                      // bias of channel 0
  EXPECT_EQ(p.data[8 + 1], w[1 * 3 + 0]);           // k 0, channel 1
  EXPECT_EQ(p.data[3 * 8 + 7], w[7 * 3 + 2]);       // k 2, channel 7
  EXPECT_EQ(p.data[32 + 1], -10.0f);                // bias of channel 9
  EXPECT_EQ(p.data[32 + 2 * 8 + 1], w[9 * 3 + 1]);  // k 1, channel 9
  EXPECT_EQ(p.data[32 + 2 * 8 + 2], 0.0f);          // padding channel 10
}

TEST(FullyConnectedF32, MatchesReference) {
  test::Rng rng(34);
  for (size_t in : {1u, 3u, 17u, 200u}) {
    for (size_t out_f : {1u, 8u, 13u, 64u}) {
      FullyConnectedF32Params p;
      p.in_features = in;
      p.out_features = out_f;
      p.activation = rng.int_in(0, 1) ? Activation::relu6() : Activation::none();
      std::vector<float> w = rng.floats(in * out_f, -1.0f, 1.0f), b = rng.floats(out_f, -1, 1);
      std::unique_ptr<FullyConnectedF32> op;
      ASSERT_TRUE(FullyConnectedF32::create(p, w.data(), b.data(), &op).is_ok());
      for (size_t batch : {1u, 2u, 5u}) {
        std::vector<float> x = rng.floats(batch * in, -2.0f, 2.0f);
        std::vector<float> got(batch * out_f), want(batch * out_f);
        ASSERT_TRUE(op->run(x.data(), x.size(), batch, got.data(), got.size()).is_ok());
        gemm_f32_reference(batch, out_f, in, x.data(), in, w.data(), b.data(), p.activation.min,
                           p.activation.max, want.data(), out_f);
        for (size_t i = 0; i < got.size(); ++i) ASSERT_TRUE(close_f32(got[i], want[i])) << i;
      }
    }
  }
}

TEST(FullyConnectedF32, ErrorsNameOpAndField) {
  std::unique_ptr<FullyConnectedF32> op;
  const float w[6] = {1, 2, 3, 4, 5, 6};
  FullyConnectedF32Params p;
  p.in_features = 0;
  p.out_features = 2;
  EXPECT_EQ(FullyConnectedF32::create(p, w, nullptr, &op).message(),
            "FullyConnectedF32: inFeatures and outFeatures must be >= 1, got 0 and 2");
  p.in_features = size_t{1} << 14;
  p.out_features = size_t{1} << 13;
  EXPECT_EQ(FullyConnectedF32::create(p, w, nullptr, &op).message(),
            "FullyConnectedF32: 8192 x 16384 weights exceed the limit of 67108864");
  p.in_features = 3;
  p.out_features = 2;
  p.activation = {6.0f, 0.0f};
  EXPECT_EQ(FullyConnectedF32::create(p, w, nullptr, &op).message(),
            "FullyConnectedF32: activation min (6) must be <= max (0)");
  p.activation = {std::nanf(""), 1.0f};
  EXPECT_EQ(FullyConnectedF32::create(p, w, nullptr, &op).message(),
            "FullyConnectedF32: activation bounds must not be NaN");
  p.activation = Activation::relu();
  ASSERT_TRUE(FullyConnectedF32::create(p, w, nullptr, &op).is_ok());
  float x[6] = {1, 1, 1, -1, -1, -1}, y[4];
  EXPECT_EQ(op->run(x, 5, 2, y, 4).message(),
            "FullyConnectedF32: input has 5 values, expected batch (2) x inFeatures (3) = 6");
  EXPECT_EQ(op->run(x, 6, 2, y, 3).message(),
            "FullyConnectedF32: output has room for 3 values, expected batch (2) x outFeatures "
            "(2) = 4");
  ASSERT_TRUE(op->run(x, 6, 2, y, 4).is_ok());
  EXPECT_EQ(y[0], 6.0f);
  EXPECT_EQ(y[1], 15.0f);
  EXPECT_EQ(y[2], 0.0f);  // ReLU
  EXPECT_EQ(y[3], 0.0f);
}

}  // namespace
}  // namespace wi8
