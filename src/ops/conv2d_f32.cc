#include "ops/conv2d_f32.h"

#include <string>

#include "core/parallel.h"
#include "ops/dw_split.h"
#include "ops/float_activation.h"

namespace wi8 {

namespace {

constexpr const char* kOp = "Conv2DF32";
// GEMM rows per thread chunk are multiples of this (covers the microkernels' row tiles).
constexpr size_t kGemmRowGrain = 12;

}  // namespace

Status Conv2DF32::create(const Conv2DF32Params& params, const float* w, const float* bias,
                         std::unique_ptr<Conv2DF32>* out) {
  Conv2DGeometry g = params.geometry;
  WI8_RETURN_IF_ERROR(validate_conv2d(kOp, &g));
  WI8_RETURN_IF_ERROR(check_float_activation(kOp, params.activation));
  const size_t cin_g = g.in_c / g.groups, cout_g = g.out_c / g.groups;
  const size_t patch = g.taps() * cin_g;  // weights per output channel

  std::unique_ptr<Conv2DF32> op(new Conv2DF32());
  op->g_ = g;
  op->out_min_ = params.activation.min;
  op->out_max_ = params.activation.max;
  op->depthwise_ = g.groups == g.in_c && g.groups == g.out_c;
  if (op->depthwise_) {
    // OHWI with one input channel per group is [c][kh][kw]; the kernel wants [kh][kw][c].
    std::vector<float> hwc(g.taps() * g.out_c);
    for (size_t c = 0; c < g.out_c; ++c) {
      for (size_t t = 0; t < g.taps(); ++t) hwc[t * g.out_c + c] = w[c * g.taps() + t];
    }
    const bool nine = g.taps() == 9;
    op->dw_fn_ = nine ? dwconv_f32_9tap_c4_p16__wasmsimd : dwconv_f32_c8__wasmsimd;
    op->dw_ = pack_dwconv_f32(g.out_c, g.taps(), hwc.data(), bias, nine ? 4 : 8);
    op->indirection_ = conv_indirection(g);
    op->zero_.assign(g.in_c, 0.0f);
  } else {
    const GemmF32Choice gemm = choose_gemm_f32(cout_g);
    op->gemm_ = gemm.fn;
    for (size_t grp = 0; grp < g.groups; ++grp) {
      op->packed_.push_back(pack_gemm_f32(cout_g, patch, w + grp * cout_g * patch,
                                          bias ? bias + grp * cout_g : nullptr, gemm.nr));
    }
    if (!g.is_pointwise()) {
      const size_t row_floats = g.out_w * patch;
      size_t rows = kIm2colBandFloats / row_floats;
      if (rows == 0) rows = 1;
      if (rows > g.out_h) rows = g.out_h;
      op->band_rows_ = rows;
      op->workspace_ = rows * row_floats;
    }
  }
  *out = std::move(op);
  return Status::ok();
}

Status Conv2DF32::run(const float* x, size_t x_len, float* y, size_t y_len, float* workspace,
                      size_t workspace_len) const {
  if (x_len != input_size()) {
    return Status::error(std::string(kOp) + ": input has " + std::to_string(x_len) +
                         " values, expected " + std::to_string(input_size()) + " (NHWC " +
                         std::to_string(g_.batch) + "x" + std::to_string(g_.in_h) + "x" +
                         std::to_string(g_.in_w) + "x" + std::to_string(g_.in_c) + ")");
  }
  if (y_len != output_size()) {
    return Status::error(std::string(kOp) + ": output has room for " + std::to_string(y_len) +
                         " values, expected " + std::to_string(output_size()) + " (NHWC " +
                         std::to_string(g_.batch) + "x" + std::to_string(g_.out_h) + "x" +
                         std::to_string(g_.out_w) + "x" + std::to_string(g_.out_c) + ")");
  }
  if (workspace_len < workspace_) {
    return Status::error(std::string(kOp) + ": workspace has " + std::to_string(workspace_len) +
                         " floats, needs " + std::to_string(workspace_));
  }
  if (depthwise_) {
    depthwise_in_bands(
        g_, indirection_.data(), x, y,
        [&](const Conv2DGeometry& band, const int32_t* ind, const float* image, float* out) {
          dw_fn_(band, ind, image, zero_.data(), dw_, out_min_, out_max_, out);
        });
    return Status::ok();
  }
  if (g_.is_pointwise()) {
    const size_t m = g_.batch * g_.out_pixels();
    parallel_for(m, parallel_grain(m, kGemmRowGrain, uint64_t{m} * g_.out_c * g_.in_c),
                 [&](size_t m0, size_t m1) {
                   gemm_(m1 - m0, x + m0 * g_.in_c, g_.in_c, packed_[0], out_min_, out_max_,
                         y + m0 * g_.out_c, g_.out_c);
                 });
    return Status::ok();
  }
  const size_t cin_g = g_.in_c / g_.groups, cout_g = g_.out_c / g_.groups;
  const size_t patch = g_.taps() * cin_g;
  const size_t in_row = g_.in_w * g_.in_c;
  for (size_t b = 0; b < g_.batch; ++b) {
    const float* image = x + b * g_.in_image();
    float* out_image = y + b * g_.out_image();
    for (size_t oh0 = 0; oh0 < g_.out_h; oh0 += band_rows_) {
      // The band as a convolution of its own: output rows [oh0, oh0 + band.out_h), its input
      // starting at the band's first input row (or at row 0, with the rest of the top padding).
      Conv2DGeometry band = g_;
      band.out_h = g_.out_h - oh0 < band_rows_ ? g_.out_h - oh0 : band_rows_;
      const size_t first = oh0 * g_.stride_h;  // first input row + pad_top
      const float* band_in = image;
      if (first < g_.pad_top) {
        band.pad_top = g_.pad_top - first;
      } else if (first - g_.pad_top < g_.in_h) {
        band_in += (first - g_.pad_top) * in_row;
        band.in_h = g_.in_h - (first - g_.pad_top);
        band.pad_top = 0;
      } else {  // the band reads only bottom padding
        band.in_h = 0;
        band.pad_top = 0;
      }
      const size_t m = band.out_h * g_.out_w;
      float* band_out = out_image + oh0 * g_.out_w * g_.out_c;
      for (size_t grp = 0; grp < g_.groups; ++grp) {
        im2col_nhwc(band, grp, band_in, 0.0f, workspace, patch);
        // The band's GEMM rows are split across the threads (the im2col copy is a small part).
        parallel_for(m, parallel_grain(m, kGemmRowGrain, uint64_t{m} * cout_g * patch),
                     [&](size_t m0, size_t m1) {
                       gemm_(m1 - m0, workspace + m0 * patch, patch, packed_[grp], out_min_,
                             out_max_, band_out + m0 * g_.out_c + grp * cout_g, g_.out_c);
                     });
      }
    }
  }
  return Status::ok();
}

}  // namespace wi8
