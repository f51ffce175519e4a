// Resize of NHWC images along H and W (ONNX Resize with scales 1 on N and C), int8 and fp32,
// nearest and bilinear ("linear").
//
// Source coordinate of output index o (ONNX coordinate_transformation_mode), with input size `in`,
// output size `out` and scale s (ONNX `scales`, or out / in when sizes are given), in double as in
// the ONNX reference implementation:
//   half_pixel:          x = (o + 0.5) / s - 0.5
//   pytorch_half_pixel:  the same, but x = 0 when out == 1
//   align_corners:       x = o * (in - 1) / (out - 1), x = 0 when out == 1
//   asymmetric:          x = o / s
// Nearest (nearest_mode): round_prefer_floor = ceil(x - 0.5), round_prefer_ceil = floor(x + 0.5),
// floor, ceil; the index is then clamped to [0, in - 1].
// Linear: x0 = floor(x), lambda = x - x0; the taps are x0 and x0 + 1, each clamped to [0, in - 1]
// (ONNX pads the neighbours with the edge values).
//
// fp32 bilinear, with wx1 = float(lambda_x), wx0 = 1 - wx1 (likewise y):
//   y = (v00 * wx0 + v01 * wx1) * wy0 + (v10 * wx0 + v11 * wx1) * wy1        (in this order)
//
// int8 bilinear (the rounding rule): with d = q - input_zero_point at the four taps and 11-bit
// weights wx1 = round_half_even(lambda_x * 2048), wx0 = 2048 - wx1 (likewise y):
//   acc = wy0 * (wx0 * d00 + wx1 * d01) + wy1 * (wx0 * d10 + wx1 * d11)     (exact, |acc| < 2^30)
//   y   = requantize_to_int8(acc, M, S, output_zero_point, -128, 127)
// with (M, S) = compute_requantization(input_scale / (output_scale * 2^22)). When input and output
// parameters are equal, M / 2^S is exactly 2^-22 and y = zero_point + floor(acc / 2^22 + 1/2): the
// interpolated value rounded to nearest, ties toward +infinity (quant.h's int32 -> int8 rule).
// Rounding the weights moves a sample position by at most 2^-12 pixel.
// int8 nearest copies values; when the parameters differ, each copied value is then requantized:
// requantize_to_int8(q - input_zero_point, M, S, ...) with compute_requantization(input_scale /
// output_scale).
//
// Kernels: the references compute coordinates per output pixel with the functions below. The fast
// kernels read per-axis tables built once by the op: resize_nearest_rows copies pixels with memcpy
// (and whole rows when consecutive output rows share a source row; no SIMD arithmetic is needed),
// the bilinear kernels vectorise channels (8 int8 or 4 fp32 lanes) and are bit-exact with the
// references. Native builds run scalar loops over the same tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wi8 {

enum class ResizeCoord { kHalfPixel, kPytorchHalfPixel, kAlignCorners, kAsymmetric };
enum class ResizeNearestMode { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

struct ResizeGeometry {
  size_t batch = 1;
  size_t in_h = 0, in_w = 0, channels = 0;
  size_t out_h = 0, out_w = 0;
  double scale_h = 0.0, scale_w = 0.0;  // > 0: the op fills out / in when no scales are given
  ResizeCoord coord = ResizeCoord::kHalfPixel;

  size_t in_image() const { return in_h * in_w * channels; }
  size_t out_image() const { return out_h * out_w * channels; }
};

double resize_source_coordinate(ResizeCoord mode, size_t o, size_t in, size_t out, double scale);
size_t resize_nearest_index(ResizeNearestMode mode, double x, size_t in);

struct ResizeLinearTaps {
  size_t i0 = 0, i1 = 0;
  double lambda = 0.0;  // weight of i1
};
ResizeLinearTaps resize_linear_taps(double x, size_t in);

constexpr int kResizeWeightBits = 11;
// The int8 weight of the second tap: round_half_even(lambda * 2^11), in [0, 2048].
int32_t resize_weight_s8(double lambda);

// Per output row or column, prepared once by the op for the fast kernels.
struct ResizeAxisTable {
  std::vector<size_t> i0, i1;  // nearest: i0 only
  std::vector<float> w1;       // fp32 weight of i1
  std::vector<int32_t> q1;     // int8 weight of i1
};
ResizeAxisTable resize_nearest_table(ResizeNearestMode mode, ResizeCoord coord, size_t in,
                                     size_t out, double scale);
ResizeAxisTable resize_linear_table(ResizeCoord coord, size_t in, size_t out, double scale);

struct ResizeS8Params {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;  // see the int8 rules above
  int shift = 31;
};

// Nearest, any element size (int8: 1, fp32: 4).
void resize_nearest_reference(const ResizeGeometry& g, ResizeNearestMode mode, size_t elem_size,
                              const void* x, void* y);
void resize_nearest_rows(const ResizeGeometry& g, const ResizeAxisTable& rows,
                         const ResizeAxisTable& cols, size_t elem_size, const void* x, void* y);
// y[i] = requantize_to_int8(y[i] - input_zero_point, multiplier, shift, output_zero_point).
void resize_requantize_s8(size_t n, const ResizeS8Params& p, int8_t* y);

void resize_bilinear_s8_reference(const ResizeGeometry& g, const ResizeS8Params& p, const int8_t* x,
                                  int8_t* y);
void resize_bilinear_s8_c8__wasmsimd(const ResizeGeometry& g, const ResizeAxisTable& rows,
                                     const ResizeAxisTable& cols, const ResizeS8Params& p,
                                     const int8_t* x, int8_t* y);

void resize_bilinear_f32_reference(const ResizeGeometry& g, const float* x, float* y);
void resize_bilinear_f32_c4__wasmsimd(const ResizeGeometry& g, const ResizeAxisTable& rows,
                                      const ResizeAxisTable& cols, const float* x, float* y);

}  // namespace wi8
