#include "quant/observer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wi8 {

Status parse_calibration_method(const std::string& name, CalibrationMethod* out) {
  static const struct {
    const char* name;
    CalibrationMethod m;
  } kMethods[] = {{"minmax", CalibrationMethod::kMinMax},
                  {"moving_average", CalibrationMethod::kMovingAverage},
                  {"percentile", CalibrationMethod::kPercentile},
                  {"mse", CalibrationMethod::kMse},
                  {"entropy", CalibrationMethod::kEntropy}};
  for (const auto& e : kMethods) {
    if (name == e.name) {
      *out = e.m;
      return Status::ok();
    }
  }
  return Status::error("calibration method '" + name +
                       "' is not one of minmax, moving_average, percentile, mse, entropy");
}

const char* calibration_method_name(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::kMinMax:
      return "minmax";
    case CalibrationMethod::kMovingAverage:
      return "moving_average";
    case CalibrationMethod::kPercentile:
      return "percentile";
    case CalibrationMethod::kMse:
      return "mse";
    case CalibrationMethod::kEntropy:
      return "entropy";
  }
  return "?";
}

void Observer::grow_to(float lo, float hi) {
  if (hist_hi_ <= hist_lo_) {
    // First values: a range a little wider than them, never empty.
    const double span = std::max<double>(hi - lo, 1e-6);
    hist_lo_ = lo - span * 1e-3;
    hist_hi_ = hi + span * 1e-3;
    return;
  }
  while (lo < hist_lo_ || hi > hist_hi_) {
    // Double the width towards the side that needs it; merge bins pairwise.
    const double w = hist_hi_ - hist_lo_;
    const bool down = lo < hist_lo_ && (hi <= hist_hi_ || hist_lo_ - lo > hi - hist_hi_);
    std::vector<double> merged(kBins, 0.0);
    for (size_t b = 0; b < kBins; ++b) merged[(down ? kBins : 0) / 2 + b / 2] += hist_[b];
    hist_ = std::move(merged);
    if (down) {
      hist_lo_ -= w;
    } else {
      hist_hi_ += w;
    }
  }
}

void Observer::observe(const float* x, size_t n) {
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  size_t seen = 0;
  for (size_t k = 0; k < n; ++k) {
    if (!std::isfinite(x[k])) continue;
    lo = std::min(lo, x[k]);
    hi = std::max(hi, x[k]);
    ++seen;
  }
  if (!seen) return;
  if (count_ == 0) {
    min_ = lo;
    max_ = hi;
    ema_min_ = lo;
    ema_max_ = hi;
  } else {
    min_ = std::min(min_, lo);
    max_ = std::max(max_, hi);
    ema_min_ += 0.01 * (lo - ema_min_);
    ema_max_ += 0.01 * (hi - ema_max_);
  }
  ++runs_;
  count_ += seen;
  grow_to(lo, hi);
  const double scale = kBins / (hist_hi_ - hist_lo_);
  for (size_t k = 0; k < n; ++k) {
    if (!std::isfinite(x[k])) continue;
    const double pos = (x[k] - hist_lo_) * scale;
    const size_t b = pos <= 0 ? 0 : std::min(static_cast<size_t>(pos), kBins - 1);
    hist_[b] += 1.0;
  }
}

void Observer::percentile_range(double lower, double upper, float* lo, float* hi) const {
  double total = 0;
  for (double h : hist_) total += h;
  double acc = 0;
  size_t b_lo = 0, b_hi = kBins - 1;
  for (size_t b = 0; b < kBins; ++b) {
    acc += hist_[b];
    if (acc >= lower * total) {
      b_lo = b;
      break;
    }
  }
  acc = 0;
  for (size_t b = kBins; b-- > 0;) {
    acc += hist_[b];
    if (acc >= (1.0 - upper) * total) {
      b_hi = b;
      break;
    }
  }
  *lo = std::max(min_, static_cast<float>(hist_lo_ + static_cast<double>(b_lo) * bin_width()));
  *hi = std::min(max_, static_cast<float>(hist_lo_ + static_cast<double>(b_hi + 1) * bin_width()));
}

// Expected squared error of quantizing the histogram with 256 levels over [lo, hi] (0 included).
static double quantization_error(const std::vector<double>& hist, double h_lo, double width,
                                 double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  const double step = (hi - lo) / 255.0;
  if (step <= 0) return std::numeric_limits<double>::infinity();
  double err = 0;
  for (size_t b = 0; b < hist.size(); ++b) {
    if (hist[b] == 0) continue;
    const double v = h_lo + (static_cast<double>(b) + 0.5) * width;
    if (v < lo) {
      err += hist[b] * (lo - v) * (lo - v);
    } else if (v > hi) {
      err += hist[b] * (v - hi) * (v - hi);
    } else {
      err += hist[b] * step * step / 12.0;  // uniform rounding error inside the range
    }
  }
  return err;
}

void Observer::mse_range(float* lo, float* hi) const {
  double best = std::numeric_limits<double>::infinity();
  *lo = min_;
  *hi = max_;
  for (int k = 128; k >= 1; --k) {
    const double f = k / 128.0;
    const double l = min_ * f, h = max_ * f;
    const double e = quantization_error(hist_, hist_lo_, bin_width(), l, h);
    if (e < best) {
      best = e;
      *lo = static_cast<float>(l);
      *hi = static_cast<float>(h);
    }
  }
}

// TensorRT's entropy calibration on the histogram of |x| (activations after ReLU are one-sided, so
// the side with the larger extent is clipped; the other keeps its min / max).
void Observer::entropy_range(float* lo, float* hi) const {
  const bool positive = max_ >= -min_;
  const double extent = positive ? max_ : -min_;
  if (!(extent > 0)) return;
  // |x| histogram of 2048 bins over [0, extent].
  const size_t n = kBins;
  std::vector<double> h(n, 0.0);
  for (size_t b = 0; b < kBins; ++b) {
    const double v = bin_center(b);
    if ((positive && v < 0) || (!positive && v > 0)) continue;
    const double a = std::fabs(v);
    const size_t i = std::min(static_cast<size_t>(a / extent * static_cast<double>(n)), n - 1);
    h[i] += hist_[b];
  }
  // Zeros (ReLU outputs, padding) are exact in the scheme: they must not pull the threshold down.
  h[0] = 0;
  const size_t levels = 128;  // one side of the int8 range
  double best = std::numeric_limits<double>::infinity();
  size_t best_i = n;
  for (size_t i = levels; i <= n; i += 16) {
    // Reference: the first i bins, the outliers folded into the last one.
    std::vector<double> p(h.begin(), h.begin() + static_cast<long>(i));
    double outliers = 0;
    for (size_t k = i; k < n; ++k) outliers += h[k];
    p[i - 1] += outliers;
    // Candidate: the same bins quantized to `levels` groups, each spread over its non-empty bins.
    std::vector<double> q(i, 0.0);
    const double group = static_cast<double>(i) / levels;
    for (size_t g = 0; g < levels; ++g) {
      const size_t a = static_cast<size_t>(static_cast<double>(g) * group);
      const size_t e = std::min(i, static_cast<size_t>(static_cast<double>(g + 1) * group));
      double sum = 0;
      size_t nonzero = 0;
      for (size_t k = a; k < e; ++k) {
        sum += h[k];
        nonzero += h[k] > 0;
      }
      for (size_t k = a; k < e; ++k) q[k] = h[k] > 0 ? sum / static_cast<double>(nonzero) : 0.0;
    }
    double ps = 0, qs = 0;
    for (size_t k = 0; k < i; ++k) {
      ps += p[k];
      qs += q[k];
    }
    if (ps <= 0 || qs <= 0) continue;
    double kl = 0;
    for (size_t k = 0; k < i; ++k) {
      if (p[k] <= 0) continue;
      const double pk = p[k] / ps, qk = q[k] > 0 ? q[k] / qs : 1e-12;
      kl += pk * std::log(pk / qk);
    }
    if (kl < best) {
      best = kl;
      best_i = i;
    }
  }
  const float t = static_cast<float>(extent * static_cast<double>(best_i) / static_cast<double>(n));
  *lo = positive ? min_ : -t;
  *hi = positive ? t : max_;
}

void Observer::range(CalibrationMethod m, float* lo, float* hi) const {
  *lo = min_;
  *hi = max_;
  if (count_ == 0) return;
  switch (m) {
    case CalibrationMethod::kMinMax:
      return;
    case CalibrationMethod::kMovingAverage:
      *lo = static_cast<float>(ema_min_);
      *hi = static_cast<float>(ema_max_);
      return;
    case CalibrationMethod::kPercentile:
      percentile_range(1e-4, 1.0 - 1e-4, lo, hi);
      return;
    case CalibrationMethod::kMse:
      mse_range(lo, hi);
      return;
    case CalibrationMethod::kEntropy:
      entropy_range(lo, hi);
      return;
  }
}

}  // namespace wi8
