// The quantization scheme of the whole project, in one place (TFLite's int8 scheme).
//
//   real = scale * (q - zero_point)
//
// - Activations: int8, asymmetric, per tensor; zero_point in [-128, 127]; real 0.0 is exactly
//   representable (the calibrated range is widened to include 0 and nudged so that it is).
// - Weights: int8, symmetric (zero_point 0), per output channel, q in [-127, 127].
// - Bias: int32, scale = input_scale * weight_scale[c], zero_point 0.
// - Accumulation in int32. Requantization to the output scale with a fixed-point multiplier per
//   output channel and one right shift per layer (see Requantization below for why the shift is
//   shared).
//
// Rounding rules (the only two in the project; every kernel, scalar or SIMD, uses them):
// - float -> int8 (quantize):   q = saturate(round_half_to_even(x / scale) + zero_point); NaN ->
// zero_point.
//   The division is done in float32, as ONNX QuantizeLinear specifies.
// - int32 -> int8 (requantize): r = floor((acc * M + 2^(S-1)) / 2^S), i.e. acc * M / 2^S rounded to
//   nearest with ties toward +infinity, computed exactly in 64-bit; then q = clamp(r + zero_point).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/status.h"

namespace wi8 {

// Affine quantization parameters: real = scale * (q - zero_point).
struct QuantParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// Checks that p can describe an int8 tensor: finite positive scale, zero point in [-128, 127].
// `what` names the tensor in the error message.
Status validate_int8_params(const QuantParams& p, const char* what);

// Chooses int8 asymmetric parameters for activations observed in [min, max]. The range is widened
// to contain 0 and the zero point is rounded to an integer, so real 0.0 maps exactly to zero_point.
Status choose_activation_params(float min, float max, QuantParams* out);

// Symmetric per-channel weight scale for a channel whose largest |w| is abs_max: abs_max / 127.
// An all-zero channel gets scale 1 (any scale represents it; 1 keeps its bias representable).
float choose_weight_scale(float abs_max);

// float -> int8 with the project's rounding rule (see top of file).
inline int8_t quantize_value(float x, float scale, int32_t zero_point) {
  const float scaled = x / scale;
  int32_t q;
  if (std::isnan(scaled)) {
    q = 0;
  } else if (scaled >= 2147483648.0f) {  // saturate exactly like i32x4.trunc_sat_f32x4
    q = std::numeric_limits<int32_t>::max();
  } else if (scaled <= -2147483648.0f) {
    q = std::numeric_limits<int32_t>::min();
  } else {
    q = static_cast<int32_t>(std::nearbyint(scaled));  // default FP mode: ties to even
  }
  const int64_t v = static_cast<int64_t>(q) + zero_point;
  return static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
}

inline float dequantize_value(int8_t q, float scale, int32_t zero_point) {
  return static_cast<float>(static_cast<int32_t>(q) - zero_point) * scale;
}

// Quantizes a [channels x size] float weight matrix per output channel, symmetric, to [-127, 127].
// Writes channels * size int8 values and `channels` scales.
void quantize_weights_per_channel(const float* w, size_t channels, size_t size, int8_t* out,
                                  float* scales);

// Quantizes a float bias to int32 with scale input_scale * weight_scale (rounded half to even,
// saturated to int32).
int32_t quantize_bias(float bias, float input_scale, float weight_scale);

// Requantization parameters of one layer: output channel c maps an int32 accumulator `acc` to
//   requantize(acc, multiplier[c], shift).
// The shift is shared by all channels because WebAssembly SIMD has no per-lane variable shift: one
// shift lets the SIMD kernel requantize four channels with i64x2 multiplies and one i64x2.shr_s.
// The shift is chosen from the largest channel multiplier so that it keeps 31 significant bits;
// smaller channels keep fewer (a channel 2^k times smaller keeps 31-k bits, still far below 1/256
// of an int8 step for k <= 15).
struct Requantization {
  std::vector<int32_t> multiplier;
  int shift = 31;
};

// Smallest and largest shift. kMaxShift keeps acc * M + 2^(S-1) inside int64 for any int32 acc and
// M < 2^31; kMinShift bounds real multipliers to < 2^(31 - kMinShift) = 128.
constexpr int kMinRequantShift = 24;
constexpr int kMaxRequantShift = 62;

// Computes per-channel multipliers for real multipliers real[c] = input_scale * weight_scale[c] /
// output_scale. Every real[c] must be finite and >= 0, and max(real) < 2^(31 - kMinRequantShift).
Status compute_requantization(const double* real, size_t n, Requantization* out);

// The shift the GEMM-family ops (Conv, depthwise Conv, FullyConnected) choose when they can: at
// S = 32 the SIMD kernels' requantization is the high word of the rounded 64-bit product, with no
// shift instruction (simd_requant.h).
constexpr int kGemmRequantShift = 32;

// compute_requantization for the GEMM-family ops: S = kGemmRequantShift when the largest real
// multiplier is below 0.5 (its M fits int32) and every nonzero channel keeps at least 16
// significant bits there (real[c] >= 2^-17); otherwise exactly compute_requantization.
// Precision: a multiplier M with b significant bits is off by at most half a unit, so on an output
// within the int8 range (|acc * real| <= 2^8, |acc| <= 2^8 / real) the error is at most
// 2^8 * 2^-b: 16 bits keep it at or below 1/256 of an output step, the bound
// compute_requantization's own smaller channels (k <= 15) have.
Status compute_requantization_gemm(const double* real, size_t n, Requantization* out);

// The requantization rounding rule: floor((acc * M + 2^(S-1)) / 2^S), saturated to int32.
inline int32_t requantize(int32_t acc, int32_t multiplier, int shift) {
  const int64_t product = static_cast<int64_t>(acc) * multiplier;
  const int64_t rounded = product + (static_cast<int64_t>(1) << (shift - 1));
  // >> on a negative int64 is an arithmetic shift (floor) on every compiler we target (C++20 makes
  // it standard; gcc and clang document it for C++17).
  const int64_t r = rounded >> shift;
  if (r > std::numeric_limits<int32_t>::max()) return std::numeric_limits<int32_t>::max();
  if (r < std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(r);
}

// requantize, then add the output zero point and clamp to [qmin, qmax] (the fused activation).
inline int8_t requantize_to_int8(int32_t acc, int32_t multiplier, int shift, int32_t zero_point,
                                 int8_t qmin, int8_t qmax) {
  const int64_t v = static_cast<int64_t>(requantize(acc, multiplier, shift)) + zero_point;
  return static_cast<int8_t>(v < qmin ? qmin : (v > qmax ? qmax : v));
}

// Rescaling of one or two int8 inputs to an output scale (Add, Concat, Requantize):
//   q_out = clamp(zero_point_out + floor((sum_i M_i * (q_i - zero_point_i) + 2^(S-1)) / 2^S))
// M_i = round(real_i * 2^S) with one shift S chosen so that the largest M_i is in [2^20, 2^21):
// then |M_i * (q_i - zp_i)| < 2^29, and the sum of two plus the rounding term stays below 2^31, so
// the whole computation is exact in int32 (the SIMD kernels use i32x4 multiplies, not i64).
// 20 significant bits put the multiplier error below 2^-12 of an output step.
struct Rescale {
  int32_t multiplier[2] = {0, 0};
  int shift = 1;
};

// real[i] = input_scale[i] / output_scale, each finite, >= 0 and < 2^20; n is 1 or 2.
Status compute_rescale(const double* real, size_t n, Rescale* out);

// The rescale rule for two inputs (d_i = q_i - zero_point_i); use d1 = 0 for one input.
inline int8_t rescale_to_int8(int32_t d0, int32_t d1, const Rescale& r, int32_t zero_point,
                              int8_t qmin, int8_t qmax) {
  const int32_t sum = r.multiplier[0] * d0 + r.multiplier[1] * d1 + (int32_t{1} << (r.shift - 1));
  const int32_t v = (sum >> r.shift) + zero_point;  // arithmetic shift: floor
  return static_cast<int8_t>(v < qmin ? qmin : (v > qmax ? qmax : v));
}

// A fused activation as a clamp of the real output to [min, max]. ReLU is [0, +inf), ReLU6 [0, 6].
struct Activation {
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
  static Activation none() { return {}; }
  static Activation relu() { return {0.0f, std::numeric_limits<float>::infinity()}; }
  static Activation relu6() { return {0.0f, 6.0f}; }
};

// The activation as int8 bounds in the output's quantized domain: ReLU -> [quantize(0), 127],
// ReLU6 -> [quantize(0), quantize(6)]. Fails if min > max or the clamp leaves no representable
// value.
Status quantized_activation_range(const Activation& act, const QuantParams& out, int8_t* qmin,
                                  int8_t* qmax);

}  // namespace wi8
