#include "kernels/quantize/quantize.h"
#include "quant/quant.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace wi8 {

#if defined(__wasm_simd128__)

void quantize_f32_s8__wasmsimd(size_t n, const float* x, float scale, int32_t zero_point,
                               int8_t* y) {
  const v128_t vscale = wasm_f32x4_splat(scale);
  const v128_t vzp = wasm_i16x8_splat(static_cast<int16_t>(zero_point));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // nearest = round half to even; trunc_sat saturates to int32 and maps NaN to 0, like the
    // reference.
    const v128_t q0 = wasm_i32x4_trunc_sat_f32x4(
        wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x + i), vscale)));
    const v128_t q1 = wasm_i32x4_trunc_sat_f32x4(
        wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x + i + 4), vscale)));
    const v128_t q2 = wasm_i32x4_trunc_sat_f32x4(
        wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x + i + 8), vscale)));
    const v128_t q3 = wasm_i32x4_trunc_sat_f32x4(
        wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x + i + 12), vscale)));
    // Saturating narrows and a saturating add give exactly clamp(q + zero_point, -128, 127): any
    // value that saturates in int16 is far outside the int8 range.
    const v128_t lo = wasm_i16x8_add_sat(wasm_i16x8_narrow_i32x4(q0, q1), vzp);
    const v128_t hi = wasm_i16x8_add_sat(wasm_i16x8_narrow_i32x4(q2, q3), vzp);
    wasm_v128_store(y + i, wasm_i8x16_narrow_i16x8(lo, hi));
  }
  for (; i < n; ++i) y[i] = quantize_value(x[i], scale, zero_point);
}

void dequantize_s8_f32__wasmsimd(size_t n, const int8_t* x, float scale, int32_t zero_point,
                                 float* y) {
  const v128_t vscale = wasm_f32x4_splat(scale);
  const v128_t vzp = wasm_i16x8_splat(static_cast<int16_t>(zero_point));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    // q - zero_point lies in [-255, 255]: exact in int16.
    const v128_t d = wasm_i16x8_sub(wasm_i16x8_load8x8(x + i), vzp);
    const v128_t lo = wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(d));
    const v128_t hi = wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(d));
    wasm_v128_store(y + i, wasm_f32x4_mul(lo, vscale));
    wasm_v128_store(y + i + 4, wasm_f32x4_mul(hi, vscale));
  }
  for (; i < n; ++i) y[i] = dequantize_value(x[i], scale, zero_point);
}

#else  // Native builds: no SIMD128, use the reference.

void quantize_f32_s8__wasmsimd(size_t n, const float* x, float scale, int32_t zero_point,
                               int8_t* y) {
  quantize_f32_s8_reference(n, x, scale, zero_point, y);
}

void dequantize_s8_f32__wasmsimd(size_t n, const int8_t* x, float scale, int32_t zero_point,
                                 float* y) {
  dequantize_s8_f32_reference(n, x, scale, zero_point, y);
}

#endif

}  // namespace wi8
