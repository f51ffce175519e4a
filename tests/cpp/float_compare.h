// Comparison of fp32 kernel outputs with their reference: |got - want| <= 1e-5 * max(1, |want|),
// equal infinities, NaN exactly where NaN is expected.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace wi8::test {

inline ::testing::AssertionResult close_f32(float got, float want) {
  if (got == want) return ::testing::AssertionSuccess();
  if (std::isnan(want) && std::isnan(got)) return ::testing::AssertionSuccess();
  if (!std::isnan(want) && !std::isnan(got) &&
      std::fabs(got - want) <= 1e-5f * std::max(1.0f, std::fabs(want))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "got " << got << ", want " << want;
}

}  // namespace wi8::test
