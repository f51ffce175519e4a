// SIMD128 building blocks shared by the int8 kernels: the requantization rule of quant/quant.h on
// four int32 lanes, and the saturating narrow to int8 with the output zero point and activation
// clamp. Only for wasm SIMD builds.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <cstdint>

namespace wi8::simd {

// Per-kernel constants of the requantization, built once per call.
struct RequantConsts {
  v128_t rounding;  // i64x2: 2^(shift-1)
  int shift;
  int high_shift;   // shift - 32, for the shift >= 32 path
  int low_bits;     // 32 - shift, for the shift < 32 path
  v128_t high_min;  // i32x4, shift < 32: the high words whose result fits int32
  v128_t high_max;
  v128_t zero_point;  // i16x8
  v128_t qmin, qmax;  // i8x16

  RequantConsts(int shift_, int32_t zero_point_, int8_t qmin_, int8_t qmax_)
      : rounding(wasm_i64x2_splat(static_cast<int64_t>(1) << (shift_ - 1))),
        shift(shift_),
        high_shift(shift_ - 32),
        low_bits(32 - shift_),
        high_min(wasm_i32x4_splat(shift_ < 32 ? -(1 << (shift_ - 1)) : 0)),
        high_max(wasm_i32x4_splat(shift_ < 32 ? (1 << (shift_ - 1)) - 1 : 0)),
        zero_point(wasm_i16x8_splat(static_cast<int16_t>(zero_point_))),
        qmin(wasm_i8x16_splat(qmin_)),
        qmax(wasm_i8x16_splat(qmax_)) {}
};

// The last step of requantize() on four lanes: lo, hi hold the rounded 64-bit products
// acc * M + 2^(S-1) of lanes 0-1 and 2-3; the result is floor(product / 2^S).
// x86 has no 64-bit arithmetic shift before AVX-512 (V8 lowers i64x2.shr_s through scalars), so
// every path works on the 32-bit halves: with high = floor(p / 2^32) and low = p mod 2^32,
// - shift == 32 (what the GEMM-family ops choose, kGemmRequantShift): the result is high, one
//   shufps. Any other shift costs a branch and V8's variable-count shift (and + movq + psrad)
//   on top; with the kernels' other per-output work that was ~7 of ~50 instructions per 4
//   outputs at K = 16;
// - shift > 32: floor(p / 2^S) = high >> (S - 32);
// - shift < 32: floor(p / 2^S) = high * 2^(32-S) + (low >>> S). The reference saturates results
//   outside int32; here high is clamped first to where high * 2^(32-S) fits, so such a result
//   becomes a value within 2^(32-S) of the int32 limit: either way far outside int8, and the
//   narrowing saturates it to the same byte.
// clang 14 scalarizes a vector shift whose count it hoisted out of the loop as a vector; reading
// the count through a volatile keeps it a scalar next to the shift (one psrad).
inline v128_t requantize_finish(v128_t lo, v128_t hi, const RequantConsts& k) {
  const v128_t high = wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7);
  if (k.shift == 32) return high;
  if (k.shift > 32) {
    return wasm_i32x4_shr(high, *static_cast<const volatile int*>(&k.high_shift));
  }
  const v128_t low = wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6);
  const v128_t h = wasm_i32x4_min(wasm_i32x4_max(high, k.high_min), k.high_max);
  return wasm_v128_or(wasm_i32x4_shl(h, *static_cast<const volatile int*>(&k.low_bits)),
                      wasm_u32x4_shr(low, *static_cast<const volatile int*>(&k.shift)));
}

// requantize() on four lanes with per-lane multipliers (per-channel kernels: a 128-bit load of the
// channels' multipliers; their sums start at the bias, so there is nothing to add first).
// What V8 (Node 20) makes of it on x86, checked with node --print-wasm-code: each extmul is one
// pmuldq and two unpacks. Keep the multiplier one vector used by both extmuls: clang writes an
// extmul as extend * extend, and an extend_high of a load of its own may be folded into a
// load32x2_s plus an i64x2.mul, which V8 emulates in ~10 instructions. (Until the seventh session
// the per-channel kernels used a record layout with the high pair swizzled down, believing
// extmul_high itself was emulated; this form has one pshufb fewer per 4 outputs and measured
// 5-8 % faster on K = 16-64 GEMMs and on depthwise.)
inline v128_t requantize4(v128_t acc, v128_t multiplier, const RequantConsts& k) {
  const v128_t lo = wasm_i64x2_add(wasm_i64x2_extmul_low_i32x4(acc, multiplier), k.rounding);
  const v128_t hi = wasm_i64x2_add(wasm_i64x2_extmul_high_i32x4(acc, multiplier), k.rounding);
  return requantize_finish(lo, hi, k);
}

// Eight requantized int32 lanes (a: lanes 0-3, b: lanes 4-7) to int8 in bytes 0-7 (repeated in
// 8-15). Saturating narrows and a saturating zero-point add give exactly clamp(r + zero_point):
// anything that saturates in int16 is far outside the int8 range.
inline v128_t narrow_to_int8(v128_t a, v128_t b, const RequantConsts& k) {
  const v128_t v16 = wasm_i16x8_add_sat(wasm_i16x8_narrow_i32x4(a, b), k.zero_point);
  const v128_t v8 = wasm_i8x16_narrow_i16x8(v16, v16);
  return wasm_i8x16_min(wasm_i8x16_max(v8, k.qmin), k.qmax);
}

}  // namespace wi8::simd

#endif
