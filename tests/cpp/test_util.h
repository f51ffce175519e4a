// Shared helpers for the C++ tests: a seeded random source (the seed is printed on failure).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace wi8::test {

class Rng {
 public:
  explicit Rng(uint32_t seed) : gen_(seed) {}
  int32_t int_in(int32_t lo, int32_t hi) {
    return std::uniform_int_distribution<int32_t>(lo, hi)(gen_);
  }
  float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(gen_); }
  std::vector<int8_t> int8s(size_t n, int lo = -128, int hi = 127) {
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(int_in(lo, hi));
    return v;
  }
  std::vector<float> floats(size_t n, float lo, float hi) {
    std::vector<float> v(n);
    for (auto& x : v) x = uniform(lo, hi);
    return v;
  }

 private:
  std::mt19937 gen_;
};

}  // namespace wi8::test
