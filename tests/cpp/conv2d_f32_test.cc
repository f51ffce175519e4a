#include "ops/conv2d_f32.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "conv_test_util.h"
#include "float_compare.h"
#include "kernels/conv/conv_f32.h"
#include "kernels/dwconv/dwconv_f32.h"
#include "test_util.h"

namespace wi8 {
namespace {

using test::describe;
using test::geometry;

using test::close_f32;

constexpr float kInf = std::numeric_limits<float>::infinity();

Activation random_activation(test::Rng& rng) {
  switch (rng.int_in(0, 2)) {
    case 0:
      return Activation::none();
    case 1:
      return Activation::relu();
    default:
      return Activation::relu6();
  }
}

// Random problem for geometry g; runs the op (whatever path it picks) and the direct reference.
void check_against_reference(Conv2DGeometry g, test::Rng& rng, bool with_bias = true) {
  Conv2DF32Params p;
  p.geometry = g;
  p.activation = random_activation(rng);
  ASSERT_TRUE(validate_conv2d("t", &g).is_ok()) << describe(g);
  const size_t patch = g.taps() * (g.in_c / g.groups);
  std::vector<float> w = rng.floats(g.out_c * patch, -1.0f, 1.0f);
  std::vector<float> bias = rng.floats(g.out_c, -1.0f, 1.0f);
  const float* b = with_bias ? bias.data() : nullptr;
  std::unique_ptr<Conv2DF32> op;
  Status s = Conv2DF32::create(p, w.data(), b, &op);
  ASSERT_TRUE(s.is_ok()) << s.message() << " " << describe(g);

  std::vector<float> x = rng.floats(op->input_size(), -2.0f, 2.0f);
  constexpr float kSentinel = 12345.0f;
  std::vector<float> got(op->output_size(), kSentinel), want(op->output_size());
  std::vector<float> ws(op->workspace_size(), kSentinel);
  s = op->run(x.data(), x.size(), got.data(), got.size(), ws.data(), ws.size());
  ASSERT_TRUE(s.is_ok()) << s.message();
  conv2d_f32_reference(g, x.data(), w.data(), b, p.activation.min, p.activation.max, want.data());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(close_f32(got[i], want[i]))
        << describe(g) << (op->is_depthwise() ? " (depthwise)" : "")
        << (op->workspace_size() ? " (im2col)" : "") << " at " << i;
  }
}

TEST(Conv2DF32, MatchesReferenceOnRandomGeometries) {
  test::Rng rng(321);
  for (int i = 0; i < 150; ++i) {
    const Conv2DGeometry g = test::random_geometry(rng, 19);
    check_against_reference(g, rng, rng.int_in(0, 3) != 0);
  }
}

TEST(Conv2DF32, PointwiseAndCommonShapes) {
  test::Rng rng(19);
  check_against_reference(geometry(1, 7, 5, 16, 24, 1, 1, 1, 1, 0, 1), rng);  // pointwise
  check_against_reference(geometry(2, 6, 6, 13, 7, 1, 1, 1, 1, 0, 1), rng);   // pointwise, odd
  check_against_reference(geometry(2, 3, 3, 5, 3, 1, 1, 1, 1, 0, 1), rng, false);
  check_against_reference(geometry(1, 9, 9, 3, 32, 3, 3, 2, 1, 1, 1), rng);  // MobileNet stem
  check_against_reference(geometry(1, 8, 8, 64, 64, 3, 3, 1, 1, 1, 1), rng);
  check_against_reference(geometry(1, 7, 7, 32, 16, 1, 1, 2, 1, 0, 1), rng);  // strided 1x1
  check_against_reference(geometry(1, 6, 6, 4, 8, 3, 3, 1, 1, 1, 4), rng);    // dw multiplier 2
}

// Several im2col bands per image (the band boundaries cross the top and bottom padding), and bands
// that read nothing but padding.
TEST(Conv2DF32, Im2colBands) {
  test::Rng rng(20);
  Conv2DGeometry g = geometry(2, 40, 37, 16, 10, 3, 3, 1, 1, 1, 1);  // 11 rows per band
  Conv2DGeometry v = g;
  ASSERT_TRUE(validate_conv2d("t", &v).is_ok());
  std::unique_ptr<Conv2DF32> op;
  ASSERT_TRUE(
      Conv2DF32::create({g, Activation::none()}, std::vector<float>(10 * 144).data(), nullptr, &op)
          .is_ok());
  EXPECT_LT(op->workspace_size(), v.out_pixels() * 144);
  check_against_reference(g, rng);
  check_against_reference(geometry(1, 31, 23, 12, 9, 5, 5, 2, 2, 3, 3), rng);
  // 1x1 kernel with padding (not pointwise): 20 x 4096 floats per output row, one row per band;
  // the last two bands lie entirely in the bottom padding.
  g = geometry(1, 1, 18, 4096, 3, 1, 1, 1, 1, 0, 1);
  g.pad_bottom = 2;
  g.pad_left = g.pad_right = 1;
  check_against_reference(g, rng);
  g.pad_top = 3;  // and bands entirely in the top padding
  check_against_reference(g, rng);
}

TEST(Conv2DF32, DepthwiseMatchesReference) {
  test::Rng rng(78);
  for (size_t k : {1, 2, 3, 5, 7}) {
    for (size_t stride : {1, 2, 3}) {
      for (size_t c : {1, 3, 4, 5, 8, 13, 16, 24, 33}) {
        for (size_t pad : {0, 1, 2}) {
          const size_t dilation = (c % 2) ? 1 : 2;
          const size_t extent = (k - 1) * dilation + 1;
          const size_t h = extent + static_cast<size_t>(rng.int_in(0, 6));
          Conv2DGeometry g =
              geometry(c % 3 == 0 ? 2 : 1, h, h + 1, c, c, k, k, stride, dilation, pad, c);
          g.pad_bottom = pad > 0 ? pad - 1 : 0;  // asymmetric
          if (extent > h + g.pad_top + g.pad_bottom) continue;
          check_against_reference(g, rng, c % 4 != 1);
        }
      }
    }
  }
}

// Both depthwise kernels against the depthwise reference, channels 1..33 (tails of 8, 4 and 1-3),
// batch 1-2, strides, dilations, asymmetric padding: the c8 kernel on 3x3 / 5x5 (unrolled) and
// 2x3 / 7x1 (generic loop), the 9-tap kernel on 3x3, 1x9 and 9x1, with 1..40 pixels (chunks of 16
// and a partial last chunk).
TEST(DwConvF32, KernelsMatchReference) {
  const struct {
    const char* name;
    DwConvF32Fn fn;
    size_t cb;
    bool nine_only;
  } variants[] = {{"c8", dwconv_f32_c8__wasmsimd, 8, false},
                  {"9tap_c4_p16", dwconv_f32_9tap_c4_p16__wasmsimd, 4, true}};
  const size_t kernels[][2] = {{3, 3}, {5, 5}, {2, 3}, {7, 1}, {1, 9}, {9, 1}};
  test::Rng rng(79);
  for (size_t c = 1; c <= 33; ++c) {
    for (const auto& k : kernels) {
      Conv2DGeometry g;
      g.batch = c % 2 + 1;
      g.in_c = g.out_c = g.groups = c;
      g.kernel_h = k[0];
      g.kernel_w = k[1];
      g.stride_h = static_cast<size_t>(rng.int_in(1, 2));
      g.stride_w = static_cast<size_t>(rng.int_in(1, 3));
      g.dilation_h = static_cast<size_t>(rng.int_in(1, 2));
      g.dilation_w = 1;
      g.pad_top = static_cast<size_t>(rng.int_in(0, 2));
      g.pad_bottom = static_cast<size_t>(rng.int_in(0, 1));
      g.pad_left = static_cast<size_t>(rng.int_in(0, 2));
      g.pad_right = 0;
      g.in_h = (g.kernel_h - 1) * g.dilation_h + 1 + static_cast<size_t>(rng.int_in(0, 5));
      g.in_w = g.kernel_w + static_cast<size_t>(rng.int_in(0, 7));
      ASSERT_TRUE(validate_conv2d("t", &g).is_ok()) << describe(g);
      std::vector<float> w = rng.floats(g.taps() * c, -1.0f, 1.0f), bias = rng.floats(c, -1, 1);
      std::vector<float> x = rng.floats(g.batch * g.in_image(), -1.0f, 1.0f), zero(c, 0.0f);
      const float lo = rng.int_in(0, 1) ? -kInf : -0.5f, hi = rng.int_in(0, 1) ? kInf : 0.5f;
      std::vector<float> want(g.batch * g.out_image());
      dwconv_f32_reference(g, x.data(), w.data(), bias.data(), lo, hi, want.data());
      const std::vector<int32_t> ind = conv_indirection(g);
      for (const auto& v : variants) {
        if (v.nine_only && g.taps() != 9) continue;
        const PackedDwF32 packed = pack_dwconv_f32(c, g.taps(), w.data(), bias.data(), v.cb);
        std::vector<float> got(want.size(), 12345.0f);
        v.fn(g, ind.data(), x.data(), zero.data(), packed, lo, hi, got.data());
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_TRUE(close_f32(got[i], want[i])) << v.name << " " << describe(g) << " at " << i;
        }
      }
    }
  }
}

TEST(Conv2DF32, RejectsBadParametersWithNamedErrors) {
  const std::vector<float> w(64, 0.5f);
  std::unique_ptr<Conv2DF32> op;
  Conv2DF32Params p;
  auto message = [&](Conv2DGeometry g) {
    p.geometry = g;
    return Conv2DF32::create(p, w.data(), nullptr, &op).message();
  };
  Conv2DGeometry g = geometry(1, 4, 4, 2, 2, 3, 3, 1, 1, 0, 1);
  Conv2DGeometry bad = g;
  bad.stride_w = 0;
  EXPECT_EQ(message(bad), "Conv2DF32: stride width must be >= 1, got 0");
  bad = g;
  bad.dilation_h = 0;
  EXPECT_EQ(message(bad), "Conv2DF32: dilation height must be >= 1, got 0");
  bad = g;
  bad.groups = 3;
  EXPECT_EQ(message(bad),
            "Conv2DF32: groups (3) must divide input channels (2) and output channels (2)");
  bad = g;
  bad.kernel_h = 9;
  EXPECT_EQ(message(bad),
            "Conv2DF32: the dilated kernel (9 x 3) is larger than the padded input (4 x 4)");
  bad = g;
  bad.in_h = bad.in_w = size_t{1} << 20;
  bad.in_c = 4096;
  EXPECT_NE(message(bad).find("exceed the limit"), std::string::npos);
  p.activation = {1.0f, -1.0f};
  EXPECT_EQ(message(g), "Conv2DF32: activation min (1) must be <= max (-1)");
  p.activation = {0.0f, std::nanf("")};
  EXPECT_EQ(message(g), "Conv2DF32: activation bounds must not be NaN");
  p.activation = Activation::relu6();
  EXPECT_TRUE(message(g).empty());

  // im2col path: 2x2 output pixels, patch 18 -> a workspace of 72 floats.
  ASSERT_EQ(op->workspace_size(), 72u);
  std::vector<float> x(32, 1.0f), y(op->output_size()), ws(op->workspace_size());
  EXPECT_EQ(op->run(x.data(), 31, y.data(), y.size(), ws.data(), ws.size()).message(),
            "Conv2DF32: input has 31 values, expected 32 (NHWC 1x4x4x2)");
  EXPECT_EQ(op->run(x.data(), x.size(), y.data(), 9, ws.data(), ws.size()).message(),
            "Conv2DF32: output has room for 9 values, expected 8 (NHWC 1x2x2x2)");
  EXPECT_EQ(op->run(x.data(), x.size(), y.data(), y.size(), ws.data(), 71).message(),
            "Conv2DF32: workspace has 71 floats, needs 72");
  ASSERT_TRUE(op->run(x.data(), x.size(), y.data(), y.size(), ws.data(), ws.size()).is_ok());
  for (float v : y) EXPECT_EQ(v, 6.0f);  // 18 * 0.5 = 9, ReLU6
}

TEST(Conv2DF32, PathsNeedNoWorkspace) {
  std::unique_ptr<Conv2DF32> op;
  const std::vector<float> w(9 * 8, 1.0f);
  ASSERT_TRUE(
      Conv2DF32::create({geometry(1, 5, 5, 8, 8, 3, 3, 1, 1, 1, 8), {}}, w.data(), nullptr, &op)
          .is_ok());
  EXPECT_TRUE(op->is_depthwise());
  EXPECT_EQ(op->workspace_size(), 0u);
  ASSERT_TRUE(
      Conv2DF32::create({geometry(1, 5, 5, 8, 8, 1, 1, 1, 1, 0, 1), {}}, w.data(), nullptr, &op)
          .is_ok());
  EXPECT_FALSE(op->is_depthwise());
  EXPECT_EQ(op->workspace_size(), 0u);
  std::vector<float> x(op->input_size(), 1.0f), y(op->output_size());
  ASSERT_TRUE(op->run(x.data(), x.size(), y.data(), y.size(), nullptr, 0).is_ok());
  for (float v : y) EXPECT_EQ(v, 8.0f);
}

}  // namespace
}  // namespace wi8
