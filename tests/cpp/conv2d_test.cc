#include "ops/conv2d.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "conv_test_util.h"
#include "kernels/conv/conv_s8.h"
#include "ops/op_util.h"
#include "test_util.h"

namespace wi8 {
namespace {

using test::describe;
using test::geometry;

// Random int8 problem for geometry g; runs the op (whatever path it picks) and the direct
// reference. large_multipliers: input_scale * weight_scale / output_scale up to 8 (requantization
// shifts below 32, the kernels' second path) instead of below 0.02.
void check_against_reference(Conv2DGeometry g, test::Rng& rng, bool large_multipliers = false) {
  Conv2DS8Params p;
  p.geometry = g;
  p.input = {rng.uniform(0.005f, 0.05f), rng.int_in(-128, 127)};
  p.output = {rng.uniform(0.05f, 0.5f), rng.int_in(-128, 127)};
  p.activation = rng.int_in(0, 2) == 0 ? Activation::relu() : Activation::none();
  ASSERT_TRUE(validate_conv2d("t", &g).is_ok()) << describe(g);
  const size_t patch = g.taps() * (g.in_c / g.groups);
  std::vector<int8_t> w = rng.int8s(g.out_c * patch, -127, 127);
  std::vector<float> scales = rng.floats(g.out_c, 0.001f, 0.02f);
  if (large_multipliers) p.output.scale = p.input.scale * 0.02f / rng.uniform(0.5f, 8.0f);
  std::vector<int32_t> bias(g.out_c);
  for (auto& b : bias) b = rng.int_in(-5000, 5000);
  std::unique_ptr<Conv2DS8> op;
  Status s = Conv2DS8::create(p, w.data(), scales.data(), bias.data(), &op);
  ASSERT_TRUE(s.is_ok()) << s.message() << " " << describe(g);

  std::vector<int8_t> x = rng.int8s(op->input_size());
  std::vector<int8_t> got(op->output_size(), 77), want(op->output_size());
  std::vector<int8_t> ws(op->workspace_size());
  s = op->run(x.data(), x.size(), got.data(), got.size(), ws.data(), ws.size());
  ASSERT_TRUE(s.is_ok()) << s.message();

  Requantization rq;
  ASSERT_TRUE(make_requantization("t", p.input, scales.data(), p.output, g.out_c, &rq).is_ok());
  GemmS8Output out;
  out.multiplier = rq.multiplier.data();
  out.shift = rq.shift;
  out.zero_point = p.output.zero_point;
  out.qmin = op->qmin();
  out.qmax = op->qmax();
  conv2d_s8_reference(g, x.data(), p.input.zero_point, w.data(), bias.data(), out, want.data());
  ASSERT_EQ(want, got) << describe(g) << (op->is_depthwise() ? " (depthwise)" : "");
}

TEST(Conv2DS8, MatchesReferenceOnRandomGeometries) {
  test::Rng rng(123);
  for (int i = 0; i < 120; ++i) {
    const Conv2DGeometry g = test::random_geometry(rng, 9);
    check_against_reference(g, rng);
  }
}

// im2col_nhwc against its definition, for every group: row p holds tap (kh, kw), channel c of the
// group at [kh][kw][c], pad_value for padding and in the gap up to row_stride. Only rows
// [p_begin, p_end) are written (threads split the rows): the block copies of short runs may read
// past a run and write past it, but nothing outside those rows may change (the rest of the buffer
// is a canary), and the input is exactly in_image() long (the sanitizer build catches a read past
// it).
template <class T>
void check_im2col(const Conv2DGeometry& g, size_t row_stride, test::Rng& rng, size_t p_begin = 0,
                  size_t p_end = SIZE_MAX) {
  const size_t cin_g = g.in_c / g.groups, patch = g.taps() * cin_g;
  std::vector<T> x(g.in_image());
  for (auto& v : x) v = static_cast<T>(rng.int_in(-128, 127));
  const T pad = static_cast<T>(-7), canary = static_cast<T>(99);
  const size_t rows = g.out_pixels();
  if (p_end > rows) p_end = rows;
  for (size_t grp = 0; grp < g.groups; ++grp) {
    std::vector<T> out(rows * row_stride + 40, canary);
    im2col_nhwc(g, grp, x.data(), pad, out.data(), row_stride, p_begin, p_end);
    for (size_t i = 0; i < out.size(); ++i) {
      const size_t p = i / row_stride, col = i % row_stride;
      T want = canary;
      if (p >= p_begin && p < p_end) {
        want = pad;
        if (col < patch) {
          const size_t kh = col / cin_g / g.kernel_w, kw = col / cin_g % g.kernel_w;
          const int64_t off = conv_tap_offset(g, p / g.out_w, p % g.out_w, kh, kw);
          if (off >= 0) want = x[static_cast<size_t>(off) + grp * cin_g + col % cin_g];
        }
      }
      ASSERT_EQ(want, out[i]) << describe(g) << " group " << grp << " rows [" << p_begin << ", "
                              << p_end << ") element " << i << " (row " << p << ", col " << col
                              << ")";
    }
  }
}

TEST(Im2col, MatchesDefinitionInt8AndFloat) {
  test::Rng rng(31);
  for (int i = 0; i < 150; ++i) {
    Conv2DGeometry g = test::random_geometry(rng, 4);
    ASSERT_TRUE(validate_conv2d("t", &g).is_ok()) << describe(g);
    const size_t patch = g.taps() * (g.in_c / g.groups);
    check_im2col<int8_t>(g, patch + static_cast<size_t>(rng.int_in(0, 9)), rng);
    check_im2col<float>(g, patch, rng);
    // A range of rows, as one thread's share.
    const size_t a = static_cast<size_t>(rng.int_in(0, static_cast<int>(g.out_pixels())));
    const size_t b =
        static_cast<size_t>(rng.int_in(static_cast<int>(a), static_cast<int>(g.out_pixels())));
    check_im2col<int8_t>(g, (patch + 7) / 8 * 8, rng, a, b);
  }
  // First-layer shapes (1 and 3 channels), where the short runs take the block copies.
  for (size_t cin : {1, 3}) {
    Conv2DGeometry g = geometry(1, 11, 13, cin, 8, 3, 3, 2, 1, 1, 1);
    ASSERT_TRUE(validate_conv2d("t", &g).is_ok());
    check_im2col<int8_t>(g, (9 * cin + 7) / 8 * 8, rng);
    check_im2col<float>(g, 9 * cin, rng);
    check_im2col<int8_t>(g, (9 * cin + 7) / 8 * 8, rng, 5, 23);
  }
  // A kernel taller than the cached input rows (computed per pixel instead).
  Conv2DGeometry tall = geometry(1, 21, 7, 2, 4, 18, 3, 1, 1, 1, 1);
  ASSERT_TRUE(validate_conv2d("t", &tall).is_ok());
  check_im2col<int8_t>(tall, 18 * 3 * 2 + 4, rng, 3, 30);
  check_im2col<float>(tall, 18 * 3 * 2, rng);
}

TEST(Conv2DS8, PointwiseAndCommonShapes) {
  test::Rng rng(9);
  check_against_reference(geometry(1, 7, 5, 16, 24, 1, 1, 1, 1, 0, 1), rng);  // pointwise
  check_against_reference(geometry(2, 6, 6, 13, 7, 1, 1, 1, 1, 0, 1), rng);   // pointwise, odd
  check_against_reference(geometry(1, 9, 9, 3, 32, 3, 3, 2, 1, 1, 1), rng);   // MobileNet stem
  check_against_reference(geometry(1, 8, 8, 64, 64, 3, 3, 1, 1, 1, 1), rng);
  check_against_reference(geometry(1, 7, 7, 32, 16, 1, 1, 2, 1, 0, 1), rng);  // strided 1x1
}

TEST(Conv2DS8, DepthwiseMatchesReference) {
  test::Rng rng(77);
  for (size_t k : {1, 2, 3, 5, 7}) {
    for (size_t stride : {1, 2}) {
      for (size_t c : {1, 3, 8, 13, 16, 24, 33}) {
        for (size_t pad : {0, 1, 2}) {
          const size_t dilation = (c % 2) ? 1 : 2;
          const size_t extent = (k - 1) * dilation + 1;
          const size_t h = extent + static_cast<size_t>(rng.int_in(0, 6));
          Conv2DGeometry g =
              geometry(c % 3 == 0 ? 2 : 1, h, h + 1, c, c, k, k, stride, dilation, pad, c);
          g.pad_bottom = pad > 0 ? pad - 1 : 0;  // asymmetric
          check_against_reference(g, rng);
        }
      }
    }
  }
}

// Requantization shifts below 32 (a real multiplier >= 0.5 in some channel, as a depthwise conv
// into a narrow ReLU6 range can have): the SIMD kernels' other path.
TEST(Conv2DS8, LargeMultipliersMatchReference) {
  test::Rng rng(31);
  for (int i = 0; i < 40; ++i) {
    const size_t c = static_cast<size_t>(rng.int_in(1, 40));
    check_against_reference(geometry(1, 7, 7, c, c, 3, 3, 1 + i % 2, 1, 1, c), rng, true);
    check_against_reference(
        geometry(1, 5, 6, c, static_cast<size_t>(rng.int_in(1, 40)), 1, 1, 1, 1, 0, 1), rng, true);
  }
}

TEST(Conv2DS8, DepthwiseWithMultiplierUsesTheGroupedPath) {
  test::Rng rng(5);
  check_against_reference(geometry(1, 6, 6, 4, 8, 3, 3, 1, 1, 1, 4), rng);
}

// The int8 conv is within 1 LSB of the float computation on the same quantized operands.
TEST(Conv2DS8, WithinOneLsbOfFloatComputation) {
  test::Rng rng(2718);
  for (const Conv2DGeometry& g0 :
       {geometry(1, 10, 9, 8, 12, 3, 3, 1, 1, 1, 1), geometry(1, 11, 11, 16, 16, 3, 3, 2, 1, 1, 16),
        geometry(2, 5, 5, 6, 6, 1, 1, 1, 1, 0, 1)}) {
    Conv2DGeometry g = g0;
    ASSERT_TRUE(validate_conv2d("t", &g).is_ok());
    const size_t patch = g.taps() * (g.in_c / g.groups);
    std::vector<float> wf = rng.floats(g.out_c * patch, -0.5f, 0.5f);
    std::vector<float> bf = rng.floats(g.out_c, -1.0f, 1.0f);
    Conv2DS8Params p;
    p.geometry = g;
    ASSERT_TRUE(choose_activation_params(-1.0f, 2.0f, &p.input).is_ok());
    ASSERT_TRUE(choose_activation_params(-4.0f, 6.0f, &p.output).is_ok());
    std::unique_ptr<Conv2DS8> op;
    ASSERT_TRUE(Conv2DS8::create_from_float(p, wf.data(), bf.data(), &op).is_ok());
    QuantizedWeights q;
    ASSERT_TRUE(quantize_float_weights("t", wf.data(), nullptr, g.out_c, patch, 1.0f, &q).is_ok());

    std::vector<int8_t> x = rng.int8s(op->input_size());
    std::vector<int8_t> y(op->output_size()), ws(op->workspace_size());
    ASSERT_TRUE(op->run(x.data(), x.size(), y.data(), y.size(), ws.data(), ws.size()).is_ok());
    const size_t cin_g = g.in_c / g.groups, cout_g = g.out_c / g.groups;
    size_t i = 0;
    for (size_t b = 0; b < g.batch; ++b) {
      for (size_t oh = 0; oh < g.out_h; ++oh) {
        for (size_t ow = 0; ow < g.out_w; ++ow) {
          for (size_t oc = 0; oc < g.out_c; ++oc, ++i) {
            double acc = 0;
            for (size_t kh = 0; kh < g.kernel_h; ++kh) {
              for (size_t kw = 0; kw < g.kernel_w; ++kw) {
                const int64_t off = conv_tap_offset(g, oh, ow, kh, kw);
                if (off < 0) continue;
                for (size_t c = 0; c < cin_g; ++c) {
                  const double xv =
                      x[b * g.in_image() + static_cast<size_t>(off) + oc / cout_g * cin_g + c] -
                      p.input.zero_point;
                  acc += xv * q.weights[((oc * g.kernel_h + kh) * g.kernel_w + kw) * cin_g + c];
                }
              }
            }
            const double real = acc * p.input.scale * q.scales[oc] + bf[oc];
            const double q_exact =
                std::min(127.0, std::max(-128.0, real / p.output.scale + p.output.zero_point));
            ASSERT_LE(std::fabs(y[i] - q_exact), 1.0) << describe(g) << " at " << i;
          }
        }
      }
    }
  }
}

TEST(Conv2DS8, RejectsBadGeometryWithNamedErrors) {
  const float w[64] = {};
  std::unique_ptr<Conv2DS8> op;
  Conv2DS8Params p;
  p.input = {0.1f, 0};
  p.output = {0.1f, 0};
  auto message = [&](Conv2DGeometry g) {
    p.geometry = g;
    return Conv2DS8::create_from_float(p, w, nullptr, &op).message();
  };
  Conv2DGeometry g = geometry(1, 4, 4, 2, 2, 3, 3, 1, 1, 0, 1);
  Conv2DGeometry bad = g;
  bad.stride_w = 0;
  EXPECT_EQ(message(bad), "Conv2D: stride width must be >= 1, got 0");
  bad = g;
  bad.kernel_h = 0;
  EXPECT_EQ(message(bad), "Conv2D: kernel height must be >= 1, got 0");
  bad = g;
  bad.groups = 3;
  EXPECT_EQ(message(bad),
            "Conv2D: groups (3) must divide input channels (2) and output channels (2)");
  bad = g;
  bad.kernel_h = 9;
  EXPECT_EQ(message(bad),
            "Conv2D: the dilated kernel (9 x 3) is larger than the padded input (4 x 4)");
  bad = g;
  bad.in_h = bad.in_w = size_t{1} << 20;
  bad.in_c = 4096;
  EXPECT_NE(message(bad).find("exceed the limit"), std::string::npos);
  EXPECT_TRUE(message(g).empty());
  std::vector<int8_t> x(31), y(op->output_size());
  EXPECT_EQ(op->run(x.data(), x.size(), y.data(), y.size(), nullptr, 0).message(),
            "Conv2D: input has 31 values, expected 32 (NHWC 1x4x4x2)");
}

TEST(ConvParams, SamePadding) {
  size_t b, e;
  same_padding(224, 3, 2, 1, true, &b, &e);  // out 112: needs 225 -> total 1
  EXPECT_EQ(b, 0u);
  EXPECT_EQ(e, 1u);
  same_padding(224, 3, 2, 1, false, &b, &e);
  EXPECT_EQ(b, 1u);
  EXPECT_EQ(e, 0u);
  same_padding(56, 3, 1, 1, true, &b, &e);
  EXPECT_EQ(b, 1u);
  EXPECT_EQ(e, 1u);
  same_padding(7, 5, 1, 2, true, &b, &e);  // dilated extent 9
  EXPECT_EQ(b, 4u);
  EXPECT_EQ(e, 4u);
}

}  // namespace
}  // namespace wi8
