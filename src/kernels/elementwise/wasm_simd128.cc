#include <algorithm>

#include "kernels/elementwise/elementwise.h"
#include "kernels/simd_requant.h"

namespace wi8 {

#if defined(__wasm_simd128__)

namespace {

// 16 int8 values of a stream: a vector load, or the broadcast scalar.
inline v128_t load16(const int8_t* p, size_t inc, size_t i) {
  return inc ? wasm_v128_load(p + i) : wasm_i8x16_splat(*p);
}

// int32 lanes -> int8 with zero point and clamp, exactly clamp(v + zp) (see simd_requant.h).
inline v128_t pack16(v128_t r0, v128_t r1, v128_t r2, v128_t r3, v128_t zp16, v128_t qmin,
                     v128_t qmax) {
  const v128_t lo = wasm_i16x8_add_sat(wasm_i16x8_narrow_i32x4(r0, r1), zp16);
  const v128_t hi = wasm_i16x8_add_sat(wasm_i16x8_narrow_i32x4(r2, r3), zp16);
  return wasm_i8x16_min(wasm_i8x16_max(wasm_i8x16_narrow_i16x8(lo, hi), qmin), qmax);
}

// sum = M * (x - zp) for 16 lanes into four i32x4 (added to acc).
inline void scaled16(v128_t x, v128_t zp16, v128_t m, v128_t acc[4]) {
  const v128_t lo = wasm_i16x8_sub(wasm_i16x8_extend_low_i8x16(x), zp16);
  const v128_t hi = wasm_i16x8_sub(wasm_i16x8_extend_high_i8x16(x), zp16);
  acc[0] = wasm_i32x4_add(acc[0], wasm_i32x4_mul(wasm_i32x4_extend_low_i16x8(lo), m));
  acc[1] = wasm_i32x4_add(acc[1], wasm_i32x4_mul(wasm_i32x4_extend_high_i16x8(lo), m));
  acc[2] = wasm_i32x4_add(acc[2], wasm_i32x4_mul(wasm_i32x4_extend_low_i16x8(hi), m));
  acc[3] = wasm_i32x4_add(acc[3], wasm_i32x4_mul(wasm_i32x4_extend_high_i16x8(hi), m));
}

}  // namespace

void add_s8__wasmsimd(size_t n, const int8_t* a, size_t a_inc, const int8_t* b, size_t b_inc,
                      const AddS8Params& p, int8_t* y) {
  const v128_t ma = wasm_i32x4_splat(p.rescale.multiplier[0]);
  const v128_t mb = wasm_i32x4_splat(p.rescale.multiplier[1]);
  const v128_t round = wasm_i32x4_splat(int32_t{1} << (p.rescale.shift - 1));
  const v128_t zpa = wasm_i16x8_splat(static_cast<int16_t>(p.a_zero_point));
  const v128_t zpb = wasm_i16x8_splat(static_cast<int16_t>(p.b_zero_point));
  const v128_t zpy = wasm_i16x8_splat(static_cast<int16_t>(p.y_zero_point));
  const v128_t qmin = wasm_i8x16_splat(p.qmin), qmax = wasm_i8x16_splat(p.qmax);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t acc[4] = {round, round, round, round};
    scaled16(load16(a, a_inc, i), zpa, ma, acc);
    scaled16(load16(b, b_inc, i), zpb, mb, acc);
    for (v128_t& v : acc) v = wasm_i32x4_shr(v, p.rescale.shift);
    wasm_v128_store(y + i, pack16(acc[0], acc[1], acc[2], acc[3], zpy, qmin, qmax));
  }
  add_s8_reference(n - i, a + i * a_inc, a_inc, b + i * b_inc, b_inc, p, y + i);
}

void rescale_s8__wasmsimd(size_t n, const int8_t* x, const RescaleS8Params& p, int8_t* y) {
  const v128_t m = wasm_i32x4_splat(p.rescale.multiplier[0]);
  const v128_t round = wasm_i32x4_splat(int32_t{1} << (p.rescale.shift - 1));
  const v128_t zpx = wasm_i16x8_splat(static_cast<int16_t>(p.x_zero_point));
  const v128_t zpy = wasm_i16x8_splat(static_cast<int16_t>(p.y_zero_point));
  const v128_t qmin = wasm_i8x16_splat(p.qmin), qmax = wasm_i8x16_splat(p.qmax);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t acc[4] = {round, round, round, round};
    scaled16(wasm_v128_load(x + i), zpx, m, acc);
    for (v128_t& v : acc) v = wasm_i32x4_shr(v, p.rescale.shift);
    wasm_v128_store(y + i, pack16(acc[0], acc[1], acc[2], acc[3], zpy, qmin, qmax));
  }
  rescale_s8_reference(n - i, x + i, p, y + i);
}

void mul_s8__wasmsimd(size_t n, const int8_t* a, size_t a_inc, const int8_t* b, size_t b_inc,
                      const MulS8Params& p, int8_t* y) {
  const simd::RequantConsts rq(p.shift, p.y_zero_point, p.qmin, p.qmax);
  const v128_t m = wasm_i32x4_splat(p.multiplier);
  const v128_t zpa = wasm_i16x8_splat(static_cast<int16_t>(p.a_zero_point));
  const v128_t zpb = wasm_i16x8_splat(static_cast<int16_t>(p.b_zero_point));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t va = load16(a, a_inc, i), vb = load16(b, b_inc, i);
    // Zero-point-free operands in int16 ([-255, 255]); their products in int32 (exact).
    const v128_t a_lo = wasm_i16x8_sub(wasm_i16x8_extend_low_i8x16(va), zpa);
    const v128_t a_hi = wasm_i16x8_sub(wasm_i16x8_extend_high_i8x16(va), zpa);
    const v128_t b_lo = wasm_i16x8_sub(wasm_i16x8_extend_low_i8x16(vb), zpb);
    const v128_t b_hi = wasm_i16x8_sub(wasm_i16x8_extend_high_i8x16(vb), zpb);
    const v128_t r0 = simd::requantize4(wasm_i32x4_extmul_low_i16x8(a_lo, b_lo), m, rq);
    const v128_t r1 = simd::requantize4(wasm_i32x4_extmul_high_i16x8(a_lo, b_lo), m, rq);
    const v128_t r2 = simd::requantize4(wasm_i32x4_extmul_low_i16x8(a_hi, b_hi), m, rq);
    const v128_t r3 = simd::requantize4(wasm_i32x4_extmul_high_i16x8(a_hi, b_hi), m, rq);
    const v128_t lo = simd::narrow_to_int8(r0, r1, rq);
    const v128_t hi = simd::narrow_to_int8(r2, r3, rq);
    wasm_v128_store(y + i, wasm_i64x2_shuffle(lo, hi, 0, 2));
  }
  mul_s8_reference(n - i, a + i * a_inc, a_inc, b + i * b_inc, b_inc, p, y + i);
}

namespace {
inline v128_t load4(const float* p, size_t inc, size_t i) {
  return inc ? wasm_v128_load(p + i) : wasm_f32x4_splat(*p);
}

// Add / Mul share the loop; Op combines two f32x4. pmax / pmin are std::max / std::min per lane.
template <class Op>
void binary_f32(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc, float lo,
                float hi, float* y, Op op) {
  const v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t r0 = op(load4(a, a_inc, i), load4(b, b_inc, i));
    const v128_t r1 = op(load4(a, a_inc, i + 4), load4(b, b_inc, i + 4));
    wasm_v128_store(y + i, wasm_f32x4_pmin(wasm_f32x4_pmax(r0, vlo), vhi));
    wasm_v128_store(y + i + 4, wasm_f32x4_pmin(wasm_f32x4_pmax(r1, vlo), vhi));
  }
  for (; i + 4 <= n; i += 4) {
    const v128_t r = op(load4(a, a_inc, i), load4(b, b_inc, i));
    wasm_v128_store(y + i, wasm_f32x4_pmin(wasm_f32x4_pmax(r, vlo), vhi));
  }
  for (; i < n; ++i) {
    const float r = wasm_f32x4_extract_lane(
        op(wasm_f32x4_splat(a[i * a_inc]), wasm_f32x4_splat(b[i * b_inc])), 0);
    y[i] = std::min(std::max(r, lo), hi);
  }
}
}  // namespace

void add_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  binary_f32(n, a, a_inc, b, b_inc, out_min, out_max, y,
             [](v128_t x, v128_t z) { return wasm_f32x4_add(x, z); });
}

void mul_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  binary_f32(n, a, a_inc, b, b_inc, out_min, out_max, y,
             [](v128_t x, v128_t z) { return wasm_f32x4_mul(x, z); });
}

void sub_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  binary_f32(n, a, a_inc, b, b_inc, out_min, out_max, y,
             [](v128_t x, v128_t z) { return wasm_f32x4_sub(x, z); });
}

void div_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  binary_f32(n, a, a_inc, b, b_inc, out_min, out_max, y,
             [](v128_t x, v128_t z) { return wasm_f32x4_div(x, z); });
}

#else  // Native builds: the references.

void add_s8__wasmsimd(size_t n, const int8_t* a, size_t a_inc, const int8_t* b, size_t b_inc,
                      const AddS8Params& p, int8_t* y) {
  add_s8_reference(n, a, a_inc, b, b_inc, p, y);
}
void mul_s8__wasmsimd(size_t n, const int8_t* a, size_t a_inc, const int8_t* b, size_t b_inc,
                      const MulS8Params& p, int8_t* y) {
  mul_s8_reference(n, a, a_inc, b, b_inc, p, y);
}
void rescale_s8__wasmsimd(size_t n, const int8_t* x, const RescaleS8Params& p, int8_t* y) {
  rescale_s8_reference(n, x, p, y);
}
void add_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  add_f32_reference(n, a, a_inc, b, b_inc, out_min, out_max, y);
}
void mul_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  mul_f32_reference(n, a, a_inc, b, b_inc, out_min, out_max, y);
}
void sub_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  sub_f32_reference(n, a, a_inc, b, b_inc, out_min, out_max, y);
}
void div_f32__wasmsimd(size_t n, const float* a, size_t a_inc, const float* b, size_t b_inc,
                       float out_min, float out_max, float* y) {
  div_f32_reference(n, a, a_inc, b, b_inc, out_min, out_max, y);
}

#endif

}  // namespace wi8
