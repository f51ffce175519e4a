#include "kernels/layout/layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "ops/pad.h"
#include "ops/transpose.h"
#include "test_util.h"

namespace wi8 {
namespace {

std::vector<uint8_t> random_bytes(test::Rng& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng.int_in(0, 255));
  return v;
}

const char* mode_name(PadMode m) {
  return m == PadMode::kConstant ? "constant" : (m == PadMode::kReflect ? "reflect" : "edge");
}

std::string describe(const PadGeometry& g, PadMode mode, size_t es) {
  std::string s = std::string(mode_name(mode)) + " es" + std::to_string(es) + " in [";
  for (size_t a = 0; a < g.rank; ++a) {
    s += (a ? "," : "") + std::to_string(g.in[a]) + "(+" + std::to_string(g.begin[a]) + ",+" +
         std::to_string(g.end[a]) + ")";
  }
  return s + "]";
}

// ---- Pad: the row kernel vs the reference, byte for byte

TEST(LayoutKernels, PadRowsMatchesReference) {
  test::Rng rng(31);
  int cases = 0;
  for (size_t rank = 0; rank <= 5; ++rank) {
    for (PadMode mode : {PadMode::kConstant, PadMode::kReflect, PadMode::kEdge}) {
      for (size_t es : {1, 4, 2, 3}) {
        for (int i = 0; i < 40; ++i) {
          PadGeometry g;
          g.rank = rank;
          size_t out = 1;
          for (size_t a = 0; a < rank; ++a) {
            // Empty axes get padded only in constant mode (the others need a source element).
            g.in[a] = static_cast<size_t>(rng.int_in(i % 7 == 0 ? 0 : 1, rank > 3 ? 4 : 6));
            // Pads up to 7 on sizes up to 6: reflect pads beyond size - 1 keep reflecting.
            const int max_pad = mode != PadMode::kConstant && g.in[a] == 0 ? 0 : (rank > 3 ? 3 : 7);
            g.begin[a] = static_cast<size_t>(rng.int_in(0, max_pad));
            g.end[a] = static_cast<size_t>(rng.int_in(0, max_pad));
            out *= g.out(a);
          }
          size_t in = 1;
          for (size_t a = 0; a < rank; ++a) in *= g.in[a];
          const std::vector<uint8_t> x = random_bytes(rng, in * es);
          const std::vector<uint8_t> value = random_bytes(rng, es);
          std::vector<uint8_t> want(out * es, 0xA5), got(out * es, 0x5A);
          pad_reference(g, mode, es, value.data(), x.data(), want.data());
          pad_rows__wasmsimd(g, mode, es, value.data(), x.data(), got.data());
          ASSERT_EQ(want, got) << describe(g, mode, es);
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 6 * 3 * 4 * 40);
}

// Long constant rows exercise the vector fill and its tail.
TEST(LayoutKernels, PadRowsLongConstantRows) {
  test::Rng rng(32);
  for (size_t es : {1, 4}) {
    for (size_t w : {1, 15, 16, 17, 40}) {
      PadGeometry g;
      g.rank = 2;
      g.in[0] = 3;
      g.in[1] = w;
      g.begin[0] = 2;
      g.end[0] = 1;
      g.begin[1] = 17;
      g.end[1] = 33;
      const std::vector<uint8_t> x = random_bytes(rng, 3 * w * es);
      const std::vector<uint8_t> value = random_bytes(rng, es);
      const size_t out = g.out(0) * g.out(1) * es;
      std::vector<uint8_t> want(out), got(out);
      pad_reference(g, PadMode::kConstant, es, value.data(), x.data(), want.data());
      pad_rows__wasmsimd(g, PadMode::kConstant, es, value.data(), x.data(), got.data());
      ASSERT_EQ(want, got) << "es " << es << " w " << w;
    }
  }
}

// ---- Pad: ONNX semantics (the Pad operator's examples)

std::vector<float> run_pad(const Shape& in, std::vector<int64_t> begin, std::vector<int64_t> end,
                           PadMode mode, const std::vector<float>& x, float value = 0.0f) {
  PadParams p;
  p.input = in;
  p.pads_begin = std::move(begin);
  p.pads_end = std::move(end);
  p.mode = mode;
  p.value = value;
  std::unique_ptr<PadF32> op;
  const Status s = PadF32::create(p, &op);
  EXPECT_TRUE(s.is_ok()) << s.message();
  if (!s.is_ok()) return {};
  std::vector<float> y(op->output_size());
  EXPECT_TRUE(op->run(x.data(), x.size(), y.data(), y.size()).is_ok());
  return y;
}

TEST(Pad, OnnxConstantReflectEdge) {
  const std::vector<float> x = {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f};  // 3 x 2
  EXPECT_EQ(run_pad({3, 2}, {0, 2}, {0, 0}, PadMode::kConstant, x),
            (std::vector<float>{0, 0, 1.0f, 1.2f, 0, 0, 2.3f, 3.4f, 0, 0, 4.5f, 5.7f}));
  EXPECT_EQ(run_pad({3, 2}, {0, 1}, {0, 0}, PadMode::kReflect, x),
            (std::vector<float>{1.2f, 1.0f, 1.2f, 3.4f, 2.3f, 3.4f, 5.7f, 4.5f, 5.7f}));
  EXPECT_EQ(
      run_pad({3, 2}, {0, 2}, {0, 0}, PadMode::kEdge, x),
      (std::vector<float>{1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f}));
  // ONNX's reflect example: pads [0, 2, 0, 0] on 3 x 2, more than size - 1: reflection repeats.
  EXPECT_EQ(
      run_pad({3, 2}, {0, 2}, {0, 0}, PadMode::kReflect, x),
      (std::vector<float>{1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f}));
  // numpy.pad: [1 2 3] reflected by 5 on the left is 2 1 2 3 2 | 1 2 3 (period 4); a single
  // element is repeated.
  EXPECT_EQ(run_pad({3}, {5}, {4}, PadMode::kReflect, {1, 2, 3}),
            (std::vector<float>{2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3}));
  EXPECT_EQ(run_pad({1}, {2}, {1}, PadMode::kReflect, {4}), (std::vector<float>{4, 4, 4, 4}));
  // Reflect and edge along both axes of a 3 x 3 input.
  const std::vector<float> sq = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(run_pad({3, 3}, {1, 2}, {2, 1}, PadMode::kReflect, sq),
            (std::vector<float>{6, 5, 4, 5, 6, 5,  //
                                3, 2, 1, 2, 3, 2,  //
                                6, 5, 4, 5, 6, 5,  //
                                9, 8, 7, 8, 9, 8,  //
                                6, 5, 4, 5, 6, 5,  //
                                3, 2, 1, 2, 3, 2}));
  EXPECT_EQ(run_pad({3, 3}, {1, 0}, {0, 2}, PadMode::kEdge, sq),
            (std::vector<float>{1, 2, 3, 3, 3, 1, 2, 3, 3, 3, 4, 5, 6, 6, 6, 7, 8, 9, 9, 9}));
  EXPECT_EQ(run_pad({2}, {1}, {2}, PadMode::kConstant, {5, 6}, -1.5f),
            (std::vector<float>{-1.5f, 5, 6, -1.5f, -1.5f}));
  // An empty axis with constant padding: all constant.
  EXPECT_EQ(run_pad({0, 2}, {1, 0}, {0, 1}, PadMode::kConstant, {}, 7.0f),
            (std::vector<float>{7, 7, 7}));
}

TEST(Pad, Int8ConstantIsQuantizedWithTheTensorParams) {
  PadParams p;
  p.input = {1, 2};
  p.pads_begin = {0, 1};
  p.pads_end = {0, 1};
  std::unique_ptr<PadS8> op;
  ASSERT_TRUE(PadS8::create(p, {0.5f, 3}, &op).is_ok());
  EXPECT_EQ(op->quantized_value(), 3);  // 0.0 -> the zero point
  const int8_t x[2] = {-7, 9};
  int8_t y[4] = {};
  ASSERT_TRUE(op->run(x, 2, y, 4).is_ok());
  EXPECT_EQ(std::vector<int8_t>(y, y + 4), (std::vector<int8_t>{3, -7, 9, 3}));
  p.value = 1.0f;  // 1.0 / 0.5 + 3
  ASSERT_TRUE(PadS8::create(p, {0.5f, 3}, &op).is_ok());
  EXPECT_EQ(op->quantized_value(), 5);
  p.value = 1000.0f;  // saturates
  ASSERT_TRUE(PadS8::create(p, {0.5f, 3}, &op).is_ok());
  EXPECT_EQ(op->quantized_value(), 127);
  p.mode = PadMode::kReflect;
  p.input = {1, 3};
  ASSERT_TRUE(PadS8::create(p, {0.5f, 3}, &op).is_ok());
  const int8_t x3[3] = {1, 2, 3};
  int8_t y5[5] = {};
  ASSERT_TRUE(op->run(x3, 3, y5, 5).is_ok());
  EXPECT_EQ(std::vector<int8_t>(y5, y5 + 5), (std::vector<int8_t>{2, 1, 2, 3, 2}));
}

TEST(Pad, RejectsBadParamsWithNamedErrors) {
  auto message = [](Shape in, std::vector<int64_t> b, std::vector<int64_t> e,
                    PadMode mode = PadMode::kConstant) {
    PadParams p;
    p.input = std::move(in);
    p.pads_begin = std::move(b);
    p.pads_end = std::move(e);
    p.mode = mode;
    std::unique_ptr<PadF32> op;
    return PadF32::create(p, &op).message();
  };
  EXPECT_EQ(message({2, 3}, {0}, {0, 0}),
            "Pad: pads_begin has 1 entries, expected 2 (the input rank)");
  EXPECT_EQ(message({2, 3}, {0, 0}, {0, 0, 0}),
            "Pad: pads_end has 3 entries, expected 2 (the input rank)");
  EXPECT_EQ(message({2, 3}, {0, -1}, {0, 0}), "Pad: pads_begin[1] is -1; pads must be >= 0");
  EXPECT_EQ(message({2, 3}, {0, 0}, {int64_t{1} << 31, 0}),
            "Pad: pads_end[0] is 2147483648; pads must be <= 1073741824");
  EXPECT_EQ(message({2, 0}, {0, 0}, {0, 1}, PadMode::kReflect),
            "Pad: reflect padding of axis 1 needs a non-empty axis");
  EXPECT_EQ(message({0, 3}, {1, 0}, {0, 0}, PadMode::kEdge),
            "Pad: edge padding of axis 0 needs a non-empty axis");
  EXPECT_EQ(message({1, 1, 1, 1, 1, 1, 1, 1, 1}, {}, {}), "Pad: input: rank 9 exceeds 8");
  EXPECT_EQ(message({1024, 1024}, {0, 0}, {1 << 20, 0}),
            "Pad: output: more than 1073741824 elements");
  EXPECT_EQ(message({2, 3}, {0, 0}, {0, 0}, PadMode::kReflect), "");

  PadParams p;
  p.input = {2};
  p.pads_begin = {1};
  p.pads_end = {0};
  std::unique_ptr<PadS8> s8;
  EXPECT_EQ(PadS8::create(p, {0.1f, 300}, &s8).message(),
            "Pad: input: zero point must be in [-128, 127] for int8, got 300");
  std::unique_ptr<PadF32> f32;
  ASSERT_TRUE(PadF32::create(p, &f32).is_ok());
  std::vector<float> x(2), y(3);
  EXPECT_EQ(f32->run(x.data(), 1, y.data(), 3).message(),
            "Pad: input has 1 values, expected 2 (shape [2])");
  EXPECT_EQ(f32->run(x.data(), 2, y.data(), 2).message(),
            "Pad: output has room for 2 values, expected 3");
}

// ---- Transpose: the tiled kernel vs the reference, byte for byte

std::string describe(const TransposeGeometry& g, size_t es) {
  std::string s = "es" + std::to_string(es) + " in [";
  for (size_t a = 0; a < g.rank; ++a) s += (a ? "," : "") + std::to_string(g.in[a]);
  s += "] perm [";
  for (size_t a = 0; a < g.rank; ++a) s += (a ? "," : "") + std::to_string(g.perm[a]);
  return s + "]";
}

void check_transpose(const TransposeGeometry& g, size_t es, test::Rng& rng) {
  size_t n = 1;
  for (size_t a = 0; a < g.rank; ++a) n *= g.in[a];
  const std::vector<uint8_t> x = random_bytes(rng, n * es);
  std::vector<uint8_t> want(n * es, 0xA5), got(n * es, 0x5A);
  transpose_reference(g, es, x.data(), want.data());
  transpose_tiled__wasmsimd(g, es, x.data(), got.data());
  ASSERT_EQ(want, got) << describe(g, es);
}

TEST(LayoutKernels, TransposeTiledMatchesReferenceForEveryPermutation) {
  test::Rng rng(33);
  // Every permutation of ranks 1-4; sizes around the 16 x 16 / 4 x 4 tiles, some axes of size 1.
  const size_t sizes[] = {1, 2, 3, 4, 5, 15, 16, 17, 33};
  for (size_t rank = 1; rank <= 4; ++rank) {
    std::vector<size_t> perm(rank);
    std::iota(perm.begin(), perm.end(), size_t{0});
    do {
      for (int i = 0; i < (rank <= 2 ? 30 : 12); ++i) {
        TransposeGeometry g;
        g.rank = rank;
        size_t n = 1;
        for (size_t a = 0; a < rank; ++a) {
          g.in[a] = sizes[rng.int_in(0, 8)];
          if (n * g.in[a] > 40000) g.in[a] = 2;
          n *= g.in[a];
          g.perm[a] = perm[a];
        }
        for (size_t es : {1, 4, 2, 8, 3}) check_transpose(g, es, rng);
      }
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST(LayoutKernels, TransposeTiledMatchesReferenceForHighRanks) {
  test::Rng rng(34);
  for (size_t rank = 5; rank <= 8; ++rank) {
    for (int i = 0; i < 40; ++i) {
      TransposeGeometry g;
      g.rank = rank;
      std::vector<size_t> perm(rank);
      std::iota(perm.begin(), perm.end(), size_t{0});
      for (size_t a = rank; a > 1; --a) {
        std::swap(perm[a - 1], perm[static_cast<size_t>(rng.int_in(0, static_cast<int>(a) - 1))]);
      }
      for (size_t a = 0; a < rank; ++a) {
        g.in[a] = static_cast<size_t>(rng.int_in(1, rank > 6 ? 3 : 5));
        g.perm[a] = perm[a];
      }
      for (size_t es : {1, 4}) check_transpose(g, es, rng);
    }
  }
}

TEST(LayoutKernels, TransposeLargeMatrices) {
  test::Rng rng(35);
  for (size_t es : {1, 4}) {
    // {3, n}: the 3-row interleave (an RGB image NCHW -> NHWC), with and without a column tail.
    for (auto [r, c] : {std::pair<size_t, size_t>{64, 48},
                        {47, 33},
                        {16, 160},
                        {3, 200},
                        {3, 1024},
                        {3, 7},
                        {3, 18},
                        {3, 50177},
                        {3, 50178}}) {
      TransposeGeometry g;
      g.rank = 2;
      g.in[0] = r;
      g.in[1] = c;
      g.perm[0] = 1;
      g.perm[1] = 0;
      check_transpose(g, es, rng);
    }
  }
}

// ---- Transpose op

TEST(Transpose, SpotChecksAndDefaultPerm) {
  std::unique_ptr<Transpose> op;
  // [2, 3, 4] with perm [2, 0, 1]: y[k][i][j] = x[i][j][k].
  ASSERT_TRUE(Transpose::create({2, 3, 4}, {2, 0, 1}, &op).is_ok());
  EXPECT_EQ(op->output_shape(), (Shape{4, 2, 3}));
  std::vector<float> x(24), y(24);
  std::iota(x.begin(), x.end(), 0.0f);
  ASSERT_TRUE(op->run(x.data(), x.size(), y.data(), y.size()).is_ok());
  for (size_t i = 0; i < 2; ++i) {
    for (size_t j = 0; j < 3; ++j) {
      for (size_t k = 0; k < 4; ++k) EXPECT_EQ(y[(k * 2 + i) * 3 + j], x[(i * 3 + j) * 4 + k]);
    }
  }
  // Empty perm: reversed axes.
  ASSERT_TRUE(Transpose::create({2, 3, 4}, {}, &op).is_ok());
  EXPECT_EQ(op->output_shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(op->perm(), (std::vector<size_t>{2, 1, 0}));
  // NHWC -> NCHW on int8.
  ASSERT_TRUE(Transpose::create({1, 2, 2, 3}, {0, 3, 1, 2}, &op).is_ok());
  const int8_t xq[12] = {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32};
  int8_t yq[12] = {};
  ASSERT_TRUE(op->run(xq, 12, yq, 12).is_ok());
  EXPECT_EQ(std::vector<int8_t>(yq, yq + 12),
            (std::vector<int8_t>{0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32}));
  // Rank 0: one element.
  ASSERT_TRUE(Transpose::create({}, {}, &op).is_ok());
  float one = 3.5f, out = 0.0f;
  ASSERT_TRUE(op->run(&one, 1, &out, 1).is_ok());
  EXPECT_EQ(out, 3.5f);
}

TEST(Transpose, RejectsBadPermutationsWithNamedErrors) {
  std::unique_ptr<Transpose> op;
  EXPECT_EQ(Transpose::create({2, 3, 4}, {0, 1}, &op).message(),
            "Transpose: perm has 2 entries, expected 3 (the input rank)");
  EXPECT_EQ(Transpose::create({2, 3, 4}, {0, 3, 1}, &op).message(),
            "Transpose: perm[1] = 3 is out of range for rank 3");
  EXPECT_EQ(Transpose::create({2, 3, 4}, {0, -1, 1}, &op).message(),
            "Transpose: perm[1] = -1 is out of range for rank 3");
  EXPECT_EQ(Transpose::create({2, 3, 4}, {2, 0, 2}, &op).message(),
            "Transpose: perm[2] = 2 repeats an axis; perm must be a permutation");
  EXPECT_EQ(Transpose::create(Shape(9, 1), {}, &op).message(),
            "Transpose: input: rank 9 exceeds 8");
  ASSERT_TRUE(Transpose::create({2, 3}, {1, 0}, &op).is_ok());
  std::vector<int8_t> x(6), y(6);
  EXPECT_EQ(op->run(x.data(), 5, y.data(), 6).message(),
            "Transpose: input has 5 values, expected 6 (shape [2, 3])");
  EXPECT_EQ(op->run(x.data(), 6, y.data(), 7).message(),
            "Transpose: output has room for 7 values, expected 6");
}

}  // namespace
}  // namespace wi8
