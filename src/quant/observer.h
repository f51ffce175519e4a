// Calibration observers: what a float tensor's values looked like over the calibration inputs, and
// the range [min, max] each method derives from that for its int8 parameters
// (choose_activation_params() then widens the range to include 0 and picks scale / zero point).
//
// Methods:
// - minmax: the smallest and largest value seen;
// - moving_average: min and max of each run, averaged over runs (TF's EMA observer with
//   factor 0.01 after the first run), which discounts rare extremes;
// - percentile: the 0.01 % and 99.99 % quantiles of all values seen (a histogram);
// - mse: the range, among 128 shrunk versions of the min/max range, whose quantization error
//   (rounding inside, clipping outside) is smallest on the histogram;
// - entropy: the range whose clipped and 255-level quantized distribution is closest to the
//   original in KL divergence (TensorRT's calibration), on the histogram.
// The histogram has 2048 bins over a range that doubles (merging bins pairwise) when new values
// fall outside it, so one pass over the calibration data suffices.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"

namespace wi8 {

enum class CalibrationMethod { kMinMax, kMovingAverage, kPercentile, kMse, kEntropy };

// "minmax", "moving_average", "percentile", "mse", "entropy".
Status parse_calibration_method(const std::string& name, CalibrationMethod* out);
const char* calibration_method_name(CalibrationMethod m);

class Observer {
 public:
  static constexpr size_t kBins = 2048;

  // One run's values (NaN ignored; +-Inf ignored by the range, which must stay finite).
  void observe(const float* x, size_t n);
  bool empty() const { return count_ == 0; }
  float min() const { return min_; }
  float max() const { return max_; }
  size_t count() const { return count_; }
  // The calibrated range for `m` (min <= 0 <= max is not enforced here).
  void range(CalibrationMethod m, float* lo, float* hi) const;

 private:
  void grow_to(float lo, float hi);
  double bin_center(size_t b) const {
    return hist_lo_ + (static_cast<double>(b) + 0.5) * bin_width();
  }
  double bin_width() const { return (hist_hi_ - hist_lo_) / kBins; }
  void percentile_range(double lower, double upper, float* lo, float* hi) const;
  void mse_range(float* lo, float* hi) const;
  void entropy_range(float* lo, float* hi) const;

  size_t count_ = 0, runs_ = 0;
  float min_ = 0.0f, max_ = 0.0f;
  double ema_min_ = 0.0, ema_max_ = 0.0;
  double hist_lo_ = 0.0, hist_hi_ = 0.0;  // histogram range (empty until the first value)
  std::vector<double> hist_ = std::vector<double>(kBins, 0.0);
};

}  // namespace wi8
