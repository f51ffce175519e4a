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
  bool saturate;      // shift < 31: results may exceed int32 and must be clamped
  v128_t zero_point;  // i16x8
  v128_t qmin, qmax;  // i8x16

  RequantConsts(int shift_, int32_t zero_point_, int8_t qmin_, int8_t qmax_)
      : rounding(wasm_i64x2_splat(static_cast<int64_t>(1) << (shift_ - 1))),
        shift(shift_),
        saturate(shift_ < 31),
        zero_point(wasm_i16x8_splat(static_cast<int16_t>(zero_point_))),
        qmin(wasm_i8x16_splat(qmin_)),
        qmax(wasm_i8x16_splat(qmax_)) {}
};

// requantize() on four lanes: 64-bit products, one shared shift.
// shift >= 32 (real multipliers < 0.5, the usual case): floor(p / 2^S) = floor(floor(p / 2^32) /
// 2^(S-32)), so the 64-bit shift becomes "take the high words" plus a native i32 shift; x86 has no
// 64-bit arithmetic shift before AVX-512, which makes i64x2.shr_s several instructions.
// shift < 32: the 64-bit shift, with saturation to int32 when shift < 31 (multipliers >= 1).
inline v128_t requantize4(v128_t acc, v128_t multiplier, const RequantConsts& k) {
  if (k.shift >= 32) {
    const v128_t lo = wasm_i64x2_add(wasm_i64x2_extmul_low_i32x4(acc, multiplier), k.rounding);
    const v128_t hi = wasm_i64x2_add(wasm_i64x2_extmul_high_i32x4(acc, multiplier), k.rounding);
    return wasm_i32x4_shr(wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7), k.shift - 32);
  }
  v128_t lo = wasm_i64x2_shr(
      wasm_i64x2_add(wasm_i64x2_extmul_low_i32x4(acc, multiplier), k.rounding), k.shift);
  v128_t hi = wasm_i64x2_shr(
      wasm_i64x2_add(wasm_i64x2_extmul_high_i32x4(acc, multiplier), k.rounding), k.shift);
  if (k.saturate) {
    const v128_t vmax = wasm_i64x2_splat(2147483647);
    const v128_t vmin = wasm_i64x2_splat(-2147483647 - 1);
    lo = wasm_v128_bitselect(vmax, lo, wasm_i64x2_gt(lo, vmax));
    lo = wasm_v128_bitselect(vmin, lo, wasm_i64x2_lt(lo, vmin));
    hi = wasm_v128_bitselect(vmax, hi, wasm_i64x2_gt(hi, vmax));
    hi = wasm_v128_bitselect(vmin, hi, wasm_i64x2_lt(hi, vmin));
  }
  return wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6);  // low 32 bits of each 64-bit lane
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
