#include "quant/quant.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace wi8 {

namespace {
std::string num(double v) {
  // std::to_string prints 6 decimals, which hides small scales; %g keeps them readable.
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

Status validate_int8_params(const QuantParams& p, const char* what) {
  if (!(std::isfinite(p.scale) && p.scale > 0.0f)) {
    return Status::error(std::string(what) + ": scale must be a finite number > 0, got " +
                         num(p.scale));
  }
  if (p.zero_point < -128 || p.zero_point > 127) {
    return Status::error(std::string(what) + ": zero point must be in [-128, 127] for int8, got " +
                         std::to_string(p.zero_point));
  }
  return Status::ok();
}

Status choose_activation_params(float min, float max, QuantParams* out) {
  if (!std::isfinite(min) || !std::isfinite(max)) {
    return Status::error("activation range must be finite, got [" + num(min) + ", " + num(max) +
                         "]");
  }
  if (min > max) {
    return Status::error("activation range has min > max: [" + num(min) + ", " + num(max) + "]");
  }
  const double lo = std::min(0.0, static_cast<double>(min));
  const double hi = std::max(0.0, static_cast<double>(max));
  if (hi == lo) {  // only zeros were seen: any scale represents them
    *out = QuantParams{1.0f, 0};
    return Status::ok();
  }
  // Scales below 1e-30 only arise from ranges that are zero for all practical purposes; the floor
  // keeps x / scale finite.
  const float scale = static_cast<float>(std::max((hi - lo) / 255.0, 1e-30));
  const double zp_real = -128.0 - lo / static_cast<double>(scale);
  const double zp = std::nearbyint(std::min(127.0, std::max(-128.0, zp_real)));
  *out = QuantParams{scale, static_cast<int32_t>(zp)};
  return Status::ok();
}

float choose_weight_scale(float abs_max) {
  if (!(abs_max > 0.0f) || !std::isfinite(abs_max)) return 1.0f;
  return abs_max / 127.0f;
}

void quantize_weights_per_channel(const float* w, size_t channels, size_t size, int8_t* out,
                                  float* scales) {
  for (size_t c = 0; c < channels; ++c) {
    const float* row = w + c * size;
    float abs_max = 0.0f;
    for (size_t i = 0; i < size; ++i) abs_max = std::max(abs_max, std::fabs(row[i]));
    const float scale = choose_weight_scale(abs_max);
    scales[c] = scale;
    for (size_t i = 0; i < size; ++i) {
      const int8_t q = quantize_value(row[i], scale, 0);
      out[c * size + i] = q < -127 ? int8_t{-127} : q;
    }
  }
}

int32_t quantize_bias(float bias, float input_scale, float weight_scale) {
  const double v = static_cast<double>(bias) /
                   (static_cast<double>(input_scale) * static_cast<double>(weight_scale));
  if (std::isnan(v)) return 0;
  const double r = std::nearbyint(v);
  if (r >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (r <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(r);
}

namespace {
// M[c] = round(real[c] * 2^shift), the multipliers of a chosen shift.
void set_multipliers(const double* real, size_t n, int shift, Requantization* out) {
  out->shift = shift;
  for (size_t c = 0; c < n; ++c) {
    out->multiplier[c] = static_cast<int32_t>(std::nearbyint(std::ldexp(real[c], shift)));
  }
}
}  // namespace

Status compute_requantization(const double* real, size_t n, Requantization* out) {
  double max_real = 0.0;
  for (size_t c = 0; c < n; ++c) {
    if (!std::isfinite(real[c]) || real[c] < 0.0) {
      return Status::error("requantization multiplier of channel " + std::to_string(c) +
                           " must be finite and >= 0, got " + num(real[c]));
    }
    max_real = std::max(max_real, real[c]);
  }
  out->multiplier.assign(n, 0);
  out->shift = 31;
  if (max_real == 0.0) return Status::ok();

  int exponent = 0;
  std::frexp(max_real, &exponent);  // max_real = f * 2^exponent, f in [0.5, 1)
  int shift = 31 - exponent;        // puts round(max_real * 2^shift) in [2^30, 2^31]
  if (std::nearbyint(std::ldexp(max_real, shift)) >= 2147483648.0) --shift;
  if (shift < kMinRequantShift) {
    return Status::error("requantization multiplier " + num(max_real) +
                         " is too large (input_scale * weight_scale / output_scale must be < " +
                         std::to_string(1 << (31 - kMinRequantShift)) + ")");
  }
  set_multipliers(real, n, std::min(shift, kMaxRequantShift), out);
  return Status::ok();
}

Status compute_requantization_gemm(const double* real, size_t n, Requantization* out) {
  WI8_RETURN_IF_ERROR(compute_requantization(real, n, out));
  // A precise shift above 32 already puts every M below 2^31 at a larger shift, so at 32 they fit.
  if (out->shift <= kGemmRequantShift) return Status::ok();
  constexpr double kMinReal = 1.0 / 131072.0;  // 2^-17: M >= 2^15 at S = 32
  for (size_t c = 0; c < n; ++c) {
    if (real[c] != 0.0 && real[c] < kMinReal) return Status::ok();
  }
  set_multipliers(real, n, kGemmRequantShift, out);
  return Status::ok();
}

Status compute_rescale(const double* real, size_t n, Rescale* out) {
  if (n < 1 || n > 2) return Status::error("rescale takes 1 or 2 inputs");
  double max_real = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(real[i]) || real[i] < 0.0 || real[i] >= 1048576.0) {
      return Status::error("rescale multiplier of input " + std::to_string(i) +
                           " must be in [0, 2^20), got " + num(real[i]));
    }
    max_real = std::max(max_real, real[i]);
  }
  *out = Rescale();
  if (max_real == 0.0) return Status::ok();
  int exponent = 0;
  std::frexp(max_real, &exponent);  // max_real = f * 2^exponent, f in [0.5, 1)
  int shift = 21 - exponent;        // round(max_real * 2^shift) in [2^20, 2^21]
  if (std::nearbyint(std::ldexp(max_real, shift)) >= 2097152.0) --shift;
  shift = std::max(1, std::min(shift, 31));
  out->shift = shift;
  for (size_t i = 0; i < n; ++i) {
    out->multiplier[i] = static_cast<int32_t>(std::nearbyint(std::ldexp(real[i], shift)));
  }
  return Status::ok();
}

Status quantized_activation_range(const Activation& act, const QuantParams& out, int8_t* qmin,
                                  int8_t* qmax) {
  if (std::isnan(act.min) || std::isnan(act.max) || act.min > act.max) {
    return Status::error("activation clamp must have min <= max, got [" + num(act.min) + ", " +
                         num(act.max) + "]");
  }
  *qmin = act.min == -std::numeric_limits<float>::infinity()
              ? int8_t{-128}
              : quantize_value(act.min, out.scale, out.zero_point);
  *qmax = act.max == std::numeric_limits<float>::infinity()
              ? int8_t{127}
              : quantize_value(act.max, out.scale, out.zero_point);
  return Status::ok();
}

}  // namespace wi8
