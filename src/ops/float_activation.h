// The fused activation of the fp32 ops, checked once at creation: the kernels clamp with the
// bounds as they are (v < min ? min : v, then v > max ? max : v).
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include "core/status.h"
#include "quant/quant.h"

namespace wi8 {

// Fails, naming `op`, when a bound is NaN or min > max.
inline Status check_float_activation(const char* op, const Activation& act) {
  if (std::isnan(act.min) || std::isnan(act.max)) {
    return Status::error(std::string(op) + ": activation bounds must not be NaN");
  }
  if (act.min > act.max) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ": activation min (%g) must be <= max (%g)",
                  static_cast<double>(act.min), static_cast<double>(act.max));
    return Status::error(std::string(op) + buf);
  }
  return Status::ok();
}

}  // namespace wi8
