// Conv2D, int8, NHWC: any kernel size, stride, dilation, padding and groups, with
// per-output-channel symmetric int8 weights (OHWI), int32 bias, asymmetric int8 input/output, fused
// activation clamp.
//
// Picks the kernel path once at creation:
// - depthwise (groups == in_c == out_c): dwconv_s8_c8__wasmsimd_dot16x2 through an indirection
// table;
// - pointwise (1x1, stride 1, no padding, one group): the input is the GEMM's A matrix as it is;
// - otherwise: im2col (padding filled with the input zero point) into the workspace, then the GEMM,
//   one group at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "kernels/dwconv/dwconv_s8.h"
#include "kernels/gemm/gemm_s8.h"
#include "ops/conv_params.h"
#include "quant/quant.h"

namespace wi8 {

struct Conv2DS8Params {
  Conv2DGeometry geometry;  // out_h / out_w are computed by create()
  QuantParams input;
  QuantParams output;
  Activation activation;
};

class Conv2DS8 {
 public:
  // w: OHWI [out_c][kh][kw][in_c / groups] int8 in [-127, 127]; weight_scales: [out_c];
  // bias: [out_c] int32 with scale input.scale * weight_scales[c], or null.
  static Status create(const Conv2DS8Params& params, const int8_t* w, const float* weight_scales,
                       const int32_t* bias, std::unique_ptr<Conv2DS8>* out);
  // From float OHWI weights and bias (may be null): per-output-channel symmetric quantization.
  static Status create_from_float(const Conv2DS8Params& params, const float* w, const float* bias,
                                  std::unique_ptr<Conv2DS8>* out);

  const Conv2DGeometry& geometry() const { return g_; }
  size_t input_size() const { return g_.batch * g_.in_image(); }
  size_t output_size() const { return g_.batch * g_.out_image(); }
  // Scratch bytes run() needs (im2col rows); 0 for the depthwise and pointwise paths.
  size_t workspace_size() const { return workspace_; }
  bool is_depthwise() const { return depthwise_; }
  const std::vector<float>& weight_scales() const { return weight_scales_; }
  int8_t qmin() const { return output_.qmin; }
  int8_t qmax() const { return output_.qmax; }

  Status run(const int8_t* x, size_t x_len, int8_t* y, size_t y_len, int8_t* workspace,
             size_t workspace_len) const;

 private:
  Conv2DS8() = default;
  Conv2DGeometry g_;
  QuantParams input_;
  std::vector<float> weight_scales_;
  GemmS8Output output_;
  std::vector<int32_t> multiplier_;  // [out_c]
  bool depthwise_ = false;
  size_t workspace_ = 0;
  std::vector<PackedGemmS8> packed_;  // one per group (GEMM paths)
  PackedDwS8 dw_;                     // depthwise path
  std::vector<int32_t> indirection_;  // depthwise path, one image
  std::vector<int8_t> zero_;          // depthwise path: in_c copies of the input zero point
};

}  // namespace wi8
