// Pooling kernels, NHWC: MaxPool2D, AveragePool2D and GlobalAveragePool, int8 and fp32.
//
// Every kernel has a scalar reference (the oracle: loops over all taps, tests every position) and a
// SIMD128 variant that vectorises channels (16 int8 or 4 fp32 per vector) and visits only the taps
// inside the input. The int8 SIMD kernels are bit-exact with the references; the fp32 ones are too
// (same summation order, no fused multiply-add in WebAssembly SIMD128). In native builds the
// windowed variants run scalar loops over the same tap ranges (so that arithmetic is tested
// natively too); the global ones fall back to the references.
//
// Window semantics (ONNX / onnxruntime / PyTorch):
// - tap (kh, kw) of output (oh, ow) reads input row ih = oh * stride_h + kh * dilation_h - pad_top
//   (likewise for columns);
// - a tap is "real" when it lies in the input, "padding" when it lies in
//   [-pad_begin, in + pad_end) but outside the input, and "overhang" beyond that (only ceil_mode
//   creates overhang: its last window may run past the padded input);
// - padding never wins a max and adds 0 to a sum; every window has at least one real tap (the ops
//   check it), so no output is made of padding alone;
// - average divisor: the number of real taps, or with count_include_pad the number of real and
//   padding taps, never overhang: PyTorch's rule, which onnxruntime follows from AveragePool-19 on
//   (older onnxruntime opsets divide by the whole kernel under ceil_mode).
//
// Kernels assume a validated geometry (ops/pool.h: validate_pool2d).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wi8 {

// Largest window (kernel_h * kernel_w) of AveragePool2D: keeps the int8 sum (|acc| <= 255 * taps)
// in int32 and the per-divisor requantization table small. Larger windows are global pools.
constexpr size_t kMaxPoolTaps = 65536;
// Largest height * width of the int8 GlobalAveragePool: 255 * 2^23 < 2^31.
constexpr size_t kMaxGlobalPoolPixels = size_t{1} << 23;

struct Pool2DGeometry {
  size_t batch = 1;
  size_t in_h = 0, in_w = 0, channels = 0;
  size_t kernel_h = 1, kernel_w = 1;
  size_t stride_h = 1, stride_w = 1;
  size_t dilation_h = 1, dilation_w = 1;
  size_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  // ONNX ceil_mode: out = ceil((in + pads - dilated_kernel) / stride) + 1, minus one if that last
  // window would start in the bottom/right padding (it is dropped, as in PyTorch and ONNX).
  bool ceil_mode = false;

  // Derived by validate_pool2d().
  size_t out_h = 0, out_w = 0;

  size_t taps() const { return kernel_h * kernel_w; }
  size_t in_image() const { return in_h * in_w * channels; }
  size_t out_image() const { return out_h * out_w * channels; }
  size_t out_pixels() const { return out_h * out_w; }
};

// The taps of output index `o` along one axis: real taps are k in [*begin, *end) (contiguous, as
// positions grow with k); *padded is the number of real plus padding taps. Used by the SIMD kernels
// and the ops; the references count taps on their own.
inline void pool_axis_window(size_t o, size_t in, size_t kernel, size_t stride, size_t dilation,
                             size_t pad_begin, size_t pad_end, size_t* begin, size_t* end,
                             size_t* padded) {
  const size_t start = o * stride;  // position of tap 0 in padded coordinates
  // First k with start + k * dilation >= pad_begin, first k with start + k * dilation >= in +
  // pad_begin, first k with start + k * dilation >= in + pad_begin + pad_end (each capped).
  auto first_at_or_after = [&](size_t limit) {
    if (start >= limit) return size_t{0};
    const size_t k = (limit - start + dilation - 1) / dilation;
    return k < kernel ? k : kernel;
  };
  *begin = first_at_or_after(pad_begin);
  *end = first_at_or_after(in + pad_begin);
  if (*end < *begin) *end = *begin;
  *padded = first_at_or_after(in + pad_begin + pad_end);
}

// ---- MaxPool2D: y = max over real taps. int8 works on the int8 values directly: dequantization
// is monotonic, so the output has the input's scale and zero point.
void maxpool_s8_reference(const Pool2DGeometry& g, const int8_t* x, int8_t* y);
void maxpool_s8_c16__wasmsimd(const Pool2DGeometry& g, const int8_t* x, int8_t* y);

// fp32 max with f32x4.max's semantics: NaN if any tap is NaN, max(-0, +0) = +0.
void maxpool_f32_reference(const Pool2DGeometry& g, const float* x, float* y);
void maxpool_f32_c4__wasmsimd(const Pool2DGeometry& g, const float* x, float* y);

// ---- AveragePool2D.
//
// int8 rule, per output value with n real taps and divisor d (see above):
//   acc = sum of the n real int8 values - n * input_zero_point         (exact in int32)
//   y   = requantize_to_int8(acc, multiplier[d], shift[d], output_zero_point, -128, 127)
// where (multiplier[d], shift[d]) = compute_requantization(input_scale / (output_scale * d)):
// acc * s_in / (s_out * d) rounded with quant.h's one int32 -> int8 rule (nearest, ties toward
// +inf). Padding taps are real 0.0, i.e. q = input_zero_point, and contribute 0 to acc.
// The ops guarantee taps <= kMaxPoolTaps, so |acc| <= 255 * 65536 fits int32.
struct AvgPoolS8Params {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  bool count_include_pad = false;
  const int32_t* multiplier = nullptr;  // [taps + 1], indexed by the divisor (entry 0 unused)
  const int32_t* shift = nullptr;       // [taps + 1]
};

void avgpool_s8_reference(const Pool2DGeometry& g, const AvgPoolS8Params& p, const int8_t* x,
                          int8_t* y);
void avgpool_s8_c16__wasmsimd(const Pool2DGeometry& g, const AvgPoolS8Params& p, const int8_t* x,
                              int8_t* y);

// fp32: sum of the real taps in (kh, kw) order, starting from 0.0f, then one division by the
// divisor.
void avgpool_f32_reference(const Pool2DGeometry& g, bool count_include_pad, const float* x,
                           float* y);
void avgpool_f32_c4__wasmsimd(const Pool2DGeometry& g, bool count_include_pad, const float* x,
                              float* y);

// ---- GlobalAveragePool (ReduceMean over H and W): x is [batch][pixels][channels], y
// [batch][channels].
//
// int8: acc = sum over pixels of q - pixels * input_zero_point, then
//   y = requantize_to_int8(acc, multiplier, shift, output_zero_point, -128, 127)
// with (multiplier, shift) = compute_requantization(input_scale / (output_scale * pixels)).
// The ops guarantee pixels <= kMaxGlobalPoolPixels, so |acc| fits int32.
struct GlobalAvgPoolS8Params {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;
  int shift = 31;
};

void global_avgpool_s8_reference(size_t batch, size_t pixels, size_t channels,
                                 const GlobalAvgPoolS8Params& p, const int8_t* x, int8_t* y);
void global_avgpool_s8_c16__wasmsimd(size_t batch, size_t pixels, size_t channels,
                                     const GlobalAvgPoolS8Params& p, const int8_t* x, int8_t* y);

// fp32: per channel, sum over pixels in order from 0.0f, then one division by `pixels`.
void global_avgpool_f32_reference(size_t batch, size_t pixels, size_t channels, const float* x,
                                  float* y);
void global_avgpool_f32_c4__wasmsimd(size_t batch, size_t pixels, size_t channels, const float* x,
                                     float* y);

}  // namespace wi8
