// Conv2D, fp32, NHWC: any kernel size, stride, dilation, padding and groups, OHWI weights, optional
// bias, fused activation clamp. The fp32 counterpart of Conv2DS8 (ops/conv2d.h).
//
// Picks the kernel path once at creation:
// - depthwise (groups == in_c == out_c), through an indirection table:
//   dwconv_f32_9tap_c4_p16__wasmsimd for 3x3 kernels, dwconv_f32_c8__wasmsimd otherwise;
// - pointwise (1x1, stride 1, no padding, one group): the input is the GEMM's A matrix as it is,
//   all images of the batch in one call;
// - otherwise: im2col (padding filled with 0) into the workspace, then the GEMM, one group at a
//   time and a band of output rows at a time: a band's im2col rows are still in cache when the
//   GEMM reads them, and the workspace stays small (at most kIm2colBandFloats, or one output row).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "core/status.h"
#include "kernels/dwconv/dwconv_f32.h"
#include "kernels/gemm/gemm_f32.h"
#include "ops/conv_params.h"
#include "quant/quant.h"

namespace wi8 {

struct Conv2DF32Params {
  Conv2DGeometry geometry;  // out_h / out_w are computed by create()
  Activation activation;    // clamp bounds in the output's (float) domain
};

class Conv2DF32 {
 public:
  // im2col floats per band (the band is a whole number of output rows, at least one). Bands from
  // one output row to the whole image ran within 3% of each other on 3x3 / 5x5 convs
  // (56x56x64: 43.8-45.4 GFLOP/s, the whole image slowest): the small workspace decides.
  static constexpr size_t kIm2colBandFloats = 64 * 1024;

  // w: OHWI [out_c][kh][kw][in_c / groups]; bias: [out_c] or null.
  static Status create(const Conv2DF32Params& params, const float* w, const float* bias,
                       std::unique_ptr<Conv2DF32>* out);

  const Conv2DGeometry& geometry() const { return g_; }
  size_t input_size() const { return g_.batch * g_.in_image(); }
  size_t output_size() const { return g_.batch * g_.out_image(); }
  // Scratch run() needs, in floats (not bytes): one band of im2col rows; 0 for the depthwise and
  // pointwise paths.
  size_t workspace_size() const { return workspace_; }
  bool is_depthwise() const { return depthwise_; }
  float out_min() const { return out_min_; }
  float out_max() const { return out_max_; }

  // x: NHWC input (x_len values), y: NHWC output (y_len values), workspace: workspace_len floats.
  Status run(const float* x, size_t x_len, float* y, size_t y_len, float* workspace,
             size_t workspace_len) const;

 private:
  Conv2DF32() = default;
  Conv2DGeometry g_;
  float out_min_ = 0.0f;
  float out_max_ = 0.0f;
  bool depthwise_ = false;
  size_t band_rows_ = 0;  // output rows per im2col band
  size_t workspace_ = 0;
  GemmF32Fn gemm_ = nullptr;           // GEMM paths: choose_gemm_f32(out_c / groups)
  std::vector<PackedGemmF32> packed_;  // one per group (GEMM paths)
  DwConvF32Fn dw_fn_ = nullptr;        // depthwise path
  PackedDwF32 dw_;
  std::vector<int32_t> indirection_;  // depthwise path, one image
  std::vector<float> zero_;           // depthwise path: in_c zeros (the padding row)
};

}  // namespace wi8
