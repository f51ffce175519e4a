#include "ops/fully_connected.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "test_util.h"

namespace wi8 {
namespace {

// Float FC layer with random data, and its output range (for the output quantization parameters).
struct FloatLayer {
  size_t batch, K, N;
  std::vector<float> x, w, b;
};

FloatLayer random_layer(test::Rng& rng, size_t batch, size_t K, size_t N) {
  FloatLayer l{batch,
               K,
               N,
               rng.floats(batch * K, -1.0f, 3.0f),
               rng.floats(N * K, -0.5f, 0.5f),
               rng.floats(N, -1.0f, 1.0f)};
  return l;
}

// The int8 output must be within 1 LSB of the float computation on the same quantized operands
// (dequantized input x weights in double precision, float bias, ideal rounding excluded):
// |q - clamp(y_real / out_scale + zp)| <= 1.
TEST(FullyConnectedS8, WithinOneLsbOfFloatComputation) {
  test::Rng rng(31337);
  const Activation acts[] = {Activation::none(), Activation::relu(), Activation::relu6()};
  for (int trial = 0; trial < 60; ++trial) {
    const size_t batch = static_cast<size_t>(rng.int_in(1, 5));
    const size_t K = static_cast<size_t>(rng.int_in(1, 200));
    const size_t N = static_cast<size_t>(rng.int_in(1, 40));
    const FloatLayer l = random_layer(rng, batch, K, N);
    const Activation act = acts[trial % 3];

    FullyConnectedParams p;
    p.in_features = K;
    p.out_features = N;
    p.activation = act;
    ASSERT_TRUE(choose_activation_params(-1.0f, 3.0f, &p.input).is_ok());
    // Output range from the float outputs.
    float lo = 0, hi = 0;
    for (size_t m = 0; m < batch; ++m) {
      for (size_t n = 0; n < N; ++n) {
        double y = l.b[n];
        for (size_t k = 0; k < K; ++k) y += static_cast<double>(l.x[m * K + k]) * l.w[n * K + k];
        lo = std::min(lo, static_cast<float>(y));
        hi = std::max(hi, static_cast<float>(y));
      }
    }
    ASSERT_TRUE(choose_activation_params(lo, hi, &p.output).is_ok());

    std::unique_ptr<FullyConnectedS8> op;
    ASSERT_TRUE(FullyConnectedS8::create_from_float(p, l.w.data(), l.b.data(), &op).is_ok());

    // Quantize the weights the same way the op does, to compute on the same operands.
    std::vector<int8_t> wq(N * K);
    std::vector<float> ws(N);
    quantize_weights_per_channel(l.w.data(), N, K, wq.data(), ws.data());
    std::vector<int8_t> xq(batch * K), y(batch * N);
    for (size_t i = 0; i < xq.size(); ++i) {
      xq[i] = quantize_value(l.x[i], p.input.scale, p.input.zero_point);
    }
    ASSERT_TRUE(op->run(xq.data(), xq.size(), batch, y.data(), y.size()).is_ok());

    for (size_t m = 0; m < batch; ++m) {
      for (size_t n = 0; n < N; ++n) {
        double acc = 0;
        for (size_t k = 0; k < K; ++k) {
          acc += (static_cast<double>(xq[m * K + k]) - p.input.zero_point) * wq[n * K + k];
        }
        double y_real = acc * p.input.scale * ws[n] + l.b[n];
        y_real = std::min<double>(std::max<double>(y_real, act.min), act.max);
        const double q_exact =
            std::min(127.0, std::max(-128.0, y_real / p.output.scale + p.output.zero_point));
        EXPECT_LE(std::fabs(y[m * N + n] - q_exact), 1.0)
            << "trial " << trial << " m=" << m << " n=" << n;
        // And the clamp of the fused activation holds exactly.
        EXPECT_GE(y[m * N + n], op->qmin());
        EXPECT_LE(y[m * N + n], op->qmax());
      }
    }
  }
}

TEST(FullyConnectedS8, ReluClampsAtQuantizedZero) {
  FullyConnectedParams p;
  p.in_features = 3;
  p.out_features = 2;
  p.input = {0.1f, 0};
  p.output = {0.05f, -30};
  p.activation = Activation::relu();
  const float w[] = {1, 1, 1, -1, -1, -1};
  std::unique_ptr<FullyConnectedS8> op;
  ASSERT_TRUE(FullyConnectedS8::create_from_float(p, w, nullptr, &op).is_ok());
  const int8_t x[] = {10, 10, 10};  // 1.0 each: outputs 3 and -3
  int8_t y[2];
  ASSERT_TRUE(op->run(x, 3, 1, y, 2).is_ok());
  EXPECT_EQ(y[0], 30);   // 3 / 0.05 - 30
  EXPECT_EQ(y[1], -30);  // ReLU: quantize(0)
}

TEST(FullyConnectedS8, RejectsBadParametersWithNamedErrors) {
  std::unique_ptr<FullyConnectedS8> op;
  const float w[4] = {1, 2, 3, 4};
  FullyConnectedParams p;
  p.in_features = 2;
  p.out_features = 2;
  p.input = {0.1f, 0};
  p.output = {0.1f, 0};

  FullyConnectedParams bad = p;
  bad.in_features = 0;
  Status s = FullyConnectedS8::create_from_float(bad, w, nullptr, &op);
  EXPECT_NE(s.message().find("inFeatures"), std::string::npos) << s.message();

  bad = p;
  bad.input.scale = -1.0f;
  s = FullyConnectedS8::create_from_float(bad, w, nullptr, &op);
  EXPECT_NE(s.message().find("input: scale"), std::string::npos) << s.message();

  bad = p;
  bad.output.zero_point = 300;
  s = FullyConnectedS8::create_from_float(bad, w, nullptr, &op);
  EXPECT_NE(s.message().find("output: zero point"), std::string::npos) << s.message();

  const float nan_w[4] = {1, std::nanf(""), 3, 4};
  s = FullyConnectedS8::create_from_float(p, nan_w, nullptr, &op);
  EXPECT_NE(s.message().find("weights[1]"), std::string::npos) << s.message();

  const int8_t wq[4] = {1, -128, 3, 4};
  const float scales[2] = {0.1f, 0.1f};
  s = FullyConnectedS8::create(p, wq, scales, nullptr, &op);
  EXPECT_NE(s.message().find("-128"), std::string::npos) << s.message();

  bad = p;
  bad.output.scale = 1e-9f;  // multiplier 0.1 * 0.03 / 1e-9: far too large
  s = FullyConnectedS8::create_from_float(bad, w, nullptr, &op);
  EXPECT_NE(s.message().find("too large"), std::string::npos) << s.message();

  ASSERT_TRUE(FullyConnectedS8::create_from_float(p, w, nullptr, &op).is_ok());
  int8_t x[4] = {1, 2, 3, 4}, y[4];
  s = op->run(x, 3, 2, y, 4);
  EXPECT_NE(s.message().find("input has 3 values, expected batch (2) x inFeatures (2) = 4"),
            std::string::npos)
      << s.message();
  s = op->run(x, 4, 2, y, 3);
  EXPECT_NE(s.message().find("output"), std::string::npos) << s.message();
  EXPECT_TRUE(op->run(x, 4, 2, y, 4).is_ok());
}

}  // namespace
}  // namespace wi8
