#include "kernels/activation/activation.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace wi8 {

#if defined(__wasm_simd128__)

namespace {

// Lane-wise forms of unary_value() for the piecewise-linear kinds, in the same operation order
// (pmax / pmin are std::max / std::min), hence bit-exact.
template <UnaryKind K>
inline v128_t apply(v128_t x, v128_t alpha, v128_t beta) {
  const v128_t zero = wasm_f32x4_splat(0.0f), one = wasm_f32x4_splat(1.0f);
  if constexpr (K == UnaryKind::kRelu) return wasm_f32x4_pmax(x, zero);
  if constexpr (K == UnaryKind::kClip) return wasm_f32x4_pmin(wasm_f32x4_pmax(x, alpha), beta);
  if constexpr (K == UnaryKind::kLeakyRelu) {
    return wasm_v128_bitselect(wasm_f32x4_mul(x, alpha), x, wasm_f32x4_lt(x, zero));
  }
  if constexpr (K == UnaryKind::kHardSigmoid) {
    return wasm_f32x4_pmin(wasm_f32x4_pmax(wasm_f32x4_add(wasm_f32x4_mul(x, alpha), beta), zero),
                           one);
  }
  if constexpr (K == UnaryKind::kHardSwish) {
    const v128_t h =
        wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.0f / 6.0f)), wasm_f32x4_splat(0.5f));
    return wasm_f32x4_mul(x, wasm_f32x4_pmin(wasm_f32x4_pmax(h, zero), one));
  }
  return x;
}

template <UnaryKind K>
void run(size_t n, const float* x, const UnaryParams& p, float* y) {
  const v128_t alpha = wasm_f32x4_splat(p.alpha), beta = wasm_f32x4_splat(p.beta);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, apply<K>(wasm_v128_load(x + i), alpha, beta));
  for (; i < n; ++i) y[i] = unary_value(p, x[i]);
}

}  // namespace

void unary_f32__wasmsimd(size_t n, const float* x, const UnaryParams& p, float* y) {
  switch (p.kind) {
    case UnaryKind::kRelu:
      return run<UnaryKind::kRelu>(n, x, p, y);
    case UnaryKind::kClip:
      return run<UnaryKind::kClip>(n, x, p, y);
    case UnaryKind::kLeakyRelu:
      return run<UnaryKind::kLeakyRelu>(n, x, p, y);
    case UnaryKind::kHardSigmoid:
      return run<UnaryKind::kHardSigmoid>(n, x, p, y);
    case UnaryKind::kHardSwish:
      return run<UnaryKind::kHardSwish>(n, x, p, y);
    default:
      return unary_f32_reference(n, x, p, y);
  }
}

#else

void unary_f32__wasmsimd(size_t n, const float* x, const UnaryParams& p, float* y) {
  unary_f32_reference(n, x, p, y);
}

#endif

}  // namespace wi8
