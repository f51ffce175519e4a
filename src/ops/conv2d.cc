#include "ops/conv2d.h"

#include <string>

#include "core/parallel.h"
#include "ops/dw_split.h"
#include "ops/gemm_split.h"
#include "ops/op_util.h"

namespace wi8 {

namespace {
constexpr const char* kOp = "Conv2D";
// im2col rows are padded to the GEMM's K block (kKPad), so the kernels read whole 8-value blocks
// of every row and never copy a K tail.
size_t im2col_row(size_t patch) {
  return (patch + PackedGemmS8::kKPad - 1) / PackedGemmS8::kKPad * PackedGemmS8::kKPad;
}
}  // namespace

Status Conv2DS8::create(const Conv2DS8Params& params, const int8_t* w, const float* weight_scales,
                        const int32_t* bias, std::unique_ptr<Conv2DS8>* out) {
  Conv2DGeometry g = params.geometry;
  WI8_RETURN_IF_ERROR(validate_conv2d(kOp, &g));
  WI8_RETURN_IF_ERROR(validate_int8_params(params.input, "Conv2D: input"));
  WI8_RETURN_IF_ERROR(validate_int8_params(params.output, "Conv2D: output"));
  const size_t cin_g = g.in_c / g.groups, cout_g = g.out_c / g.groups;
  const size_t patch = g.taps() * cin_g;  // weights per output channel
  if (patch > kGemmS8MaxK) {
    return Status::error(
        "Conv2D: kernel_h * kernel_w * in_channels / groups = " + std::to_string(patch) +
        " exceeds " + std::to_string(kGemmS8MaxK) + " (the int32 accumulator could overflow)");
  }
  WI8_RETURN_IF_ERROR(check_int8_weights(kOp, w, g.out_c * patch, weight_scales, g.out_c));
  Requantization rq;
  WI8_RETURN_IF_ERROR(
      make_requantization(kOp, params.input, weight_scales, params.output, g.out_c, &rq));

  std::unique_ptr<Conv2DS8> op(new Conv2DS8());
  WI8_RETURN_IF_ERROR(quantized_activation_range(params.activation, params.output,
                                                 &op->output_.qmin, &op->output_.qmax));
  op->g_ = g;
  op->input_ = params.input;
  op->weight_scales_.assign(weight_scales, weight_scales + g.out_c);
  op->multiplier_ = rq.multiplier;
  op->output_.multiplier = op->multiplier_.data();
  op->output_.shift = rq.shift;
  op->output_.zero_point = params.output.zero_point;

  op->depthwise_ = g.groups == g.in_c && g.groups == g.out_c;
  if (op->depthwise_) {
    // OHWI with one input channel per group is [c][kh][kw]; the kernel wants [kh][kw][c].
    std::vector<int8_t> hwc(g.taps() * g.out_c);
    for (size_t c = 0; c < g.out_c; ++c) {
      for (size_t t = 0; t < g.taps(); ++t) hwc[t * g.out_c + c] = w[c * g.taps() + t];
    }
    op->dw_ = pack_dwconv_s8(g.out_c, g.taps(), hwc.data(), bias, params.input.zero_point,
                             rq.multiplier.data());
    op->indirection_ = conv_indirection(g);
    op->zero_.assign(g.in_c, static_cast<int8_t>(params.input.zero_point));
  } else {
    for (size_t grp = 0; grp < g.groups; ++grp) {
      op->packed_.push_back(pack_gemm_s8(
          cout_g, patch, w + grp * cout_g * patch, bias ? bias + grp * cout_g : nullptr,
          params.input.zero_point, rq.multiplier.data() + grp * cout_g));
    }
    op->workspace_ = g.is_pointwise() ? 0 : g.out_pixels() * im2col_row(patch);
  }
  *out = std::move(op);
  return Status::ok();
}

Status Conv2DS8::create_from_float(const Conv2DS8Params& params, const float* w, const float* bias,
                                   std::unique_ptr<Conv2DS8>* out) {
  Conv2DGeometry g = params.geometry;
  WI8_RETURN_IF_ERROR(validate_conv2d(kOp, &g));
  WI8_RETURN_IF_ERROR(validate_int8_params(params.input, "Conv2D: input"));
  QuantizedWeights q;
  WI8_RETURN_IF_ERROR(quantize_float_weights(kOp, w, bias, g.out_c, g.taps() * (g.in_c / g.groups),
                                             params.input.scale, &q));
  return create(params, q.weights.data(), q.scales.data(), q.bias_or_null(), out);
}

Status Conv2DS8::run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len, int8_t* workspace,
                     size_t workspace_len) const {
  if (x_len != input_size()) {
    return Status::error("Conv2D: input has " + std::to_string(x_len) + " values, expected " +
                         std::to_string(input_size()) + " (NHWC " + std::to_string(g_.batch) + "x" +
                         std::to_string(g_.in_h) + "x" + std::to_string(g_.in_w) + "x" +
                         std::to_string(g_.in_c) + ")");
  }
  if (y_len != output_size()) {
    return Status::error("Conv2D: output has room for " + std::to_string(y_len) +
                         " values, expected " + std::to_string(output_size()));
  }
  if (workspace_len < workspace_) {
    return Status::error("Conv2D: workspace has " + std::to_string(workspace_len) +
                         " bytes, needs " + std::to_string(workspace_));
  }
  if (depthwise_) {
    depthwise_in_bands(
        g_, indirection_.data(), x, y,
        [&](const Conv2DGeometry& band, const int32_t* ind, const int8_t* image, int8_t* out) {
          dwconv_s8_c8__wasmsimd_dot16x2(band, ind, image, zero_.data(), dw_, output_, out);
        });
    return Status::ok();
  }
  const size_t m = g_.out_pixels();
  if (g_.is_pointwise()) {
    // The input is the GEMM's A as it is (one group), for all the images at once.
    gemm_s8_parallel(g_.batch * m, x, g_.in_c, packed_[0], output_, y, g_.out_c);
    return Status::ok();
  }
  // im2col rows, padded to the K block.
  const size_t cout_g = g_.out_c / g_.groups;
  const size_t patch = g_.taps() * (g_.in_c / g_.groups);
  const size_t row = im2col_row(patch);
  const size_t grain = parallel_grain(m, kGemmRowGrain, uint64_t{m} * cout_g * patch);
  for (size_t b = 0; b < g_.batch; ++b) {
    const int8_t* image = x + b * g_.in_image();
    int8_t* out_image = y + b * g_.out_image();
    for (size_t grp = 0; grp < g_.groups; ++grp) {
      int8_t* y_group = out_image + grp * cout_g;
      parallel_for(m, grain, [&](size_t m0, size_t m1) {
        // Each thread builds its own rows of the im2col matrix (the stem's im2col is a third of
        // its time).
        im2col_nhwc(g_, grp, image, static_cast<int8_t>(input_.zero_point), workspace, row, m0, m1);
        gemm_s8_packed(m1 - m0, workspace + m0 * row, row, packed_[grp], output_,
                       y_group + m0 * g_.out_c, g_.out_c, /*x_padded=*/true);
      });
    }
  }
  return Status::ok();
}

}  // namespace wi8
