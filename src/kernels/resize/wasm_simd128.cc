#include <cstring>

#include "kernels/resize/resize.h"
#include "kernels/simd_requant.h"
#include "quant/quant.h"

namespace wi8 {

void resize_nearest_rows(const ResizeGeometry& g, const ResizeAxisTable& rows,
                         const ResizeAxisTable& cols, size_t elem_size, const void* x, void* y) {
  const auto* in = static_cast<const uint8_t*>(x);
  auto* out = static_cast<uint8_t*>(y);
  const size_t pixel = g.channels * elem_size;
  const size_t in_row = g.in_w * pixel, out_row = g.out_w * pixel;
  for (size_t b = 0; b < g.batch; ++b) {
    const uint8_t* image = in + b * g.in_h * in_row;
    for (size_t oy = 0; oy < g.out_h; ++oy, out += out_row) {
      if (oy > 0 && rows.i0[oy] == rows.i0[oy - 1]) {  // upsampling: the row above is the same
        std::memcpy(out, out - out_row, out_row);
        continue;
      }
      const uint8_t* src = image + rows.i0[oy] * in_row;
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        std::memcpy(out + ox * pixel, src + cols.i0[ox] * pixel, pixel);
      }
    }
  }
}

namespace {

// The four source pixels and weights of one output pixel.
template <class T, class W>
struct Taps {
  const T *p00, *p01, *p10, *p11;
  W wx0, wx1, wy0, wy1;
};

// Calls fn(taps, y) for every output pixel, reading the tables.
template <class T, class W, class Fn>
void for_each_pixel(const ResizeGeometry& g, const ResizeAxisTable& rows,
                    const ResizeAxisTable& cols, const T* x, T* y, W one, const W* wr, const W* wc,
                    Fn fn) {
  const size_t C = g.channels;
  for (size_t b = 0; b < g.batch; ++b) {
    const T* image = x + b * g.in_image();
    for (size_t oy = 0; oy < g.out_h; ++oy) {
      const T* r0 = image + rows.i0[oy] * g.in_w * C;
      const T* r1 = image + rows.i1[oy] * g.in_w * C;
      Taps<T, W> t;
      t.wy1 = wr[oy];
      t.wy0 = one - t.wy1;
      for (size_t ox = 0; ox < g.out_w; ++ox, y += C) {
        t.p00 = r0 + cols.i0[ox] * C;
        t.p01 = r0 + cols.i1[ox] * C;
        t.p10 = r1 + cols.i0[ox] * C;
        t.p11 = r1 + cols.i1[ox] * C;
        t.wx1 = wc[ox];
        t.wx0 = one - t.wx1;
        fn(t, y);
      }
    }
  }
}

}  // namespace

#if defined(__wasm_simd128__)

void resize_bilinear_s8_c8__wasmsimd(const ResizeGeometry& g, const ResizeAxisTable& rows,
                                     const ResizeAxisTable& cols, const ResizeS8Params& p,
                                     const int8_t* x, int8_t* y) {
  const size_t C = g.channels;
  const simd::RequantConsts rq(p.shift, p.output_zero_point, -128, 127);
  const v128_t vm = wasm_i32x4_splat(p.multiplier);
  const v128_t vzp = wasm_i16x8_splat(static_cast<int16_t>(p.input_zero_point));
  for_each_pixel(
      g, rows, cols, x, y, int32_t{1} << kResizeWeightBits, rows.q1.data(), cols.q1.data(),
      [&](const Taps<int8_t, int32_t>& t, int8_t* out) {
        // Weights fit int16 (<= 2048) and d = q - zero_point fits int16: horizontal sums with
        // 16x16->32 multiplies, then the vertical blend in int32 (|acc| < 2^30).
        const v128_t wx0 = wasm_i16x8_splat(static_cast<int16_t>(t.wx0));
        const v128_t wx1 = wasm_i16x8_splat(static_cast<int16_t>(t.wx1));
        const v128_t wy0 = wasm_i32x4_splat(t.wy0);
        const v128_t wy1 = wasm_i32x4_splat(t.wy1);
        // 8 channels from four 8-byte loads -> 8 int8 results in bytes 0-7.
        auto block = [&](const int8_t* a, const int8_t* b, const int8_t* c, const int8_t* d) {
          const v128_t d00 = wasm_i16x8_sub(wasm_i16x8_load8x8(a), vzp);
          const v128_t d01 = wasm_i16x8_sub(wasm_i16x8_load8x8(b), vzp);
          const v128_t d10 = wasm_i16x8_sub(wasm_i16x8_load8x8(c), vzp);
          const v128_t d11 = wasm_i16x8_sub(wasm_i16x8_load8x8(d), vzp);
          const v128_t top_lo = wasm_i32x4_add(wasm_i32x4_extmul_low_i16x8(d00, wx0),
                                               wasm_i32x4_extmul_low_i16x8(d01, wx1));
          const v128_t top_hi = wasm_i32x4_add(wasm_i32x4_extmul_high_i16x8(d00, wx0),
                                               wasm_i32x4_extmul_high_i16x8(d01, wx1));
          const v128_t bot_lo = wasm_i32x4_add(wasm_i32x4_extmul_low_i16x8(d10, wx0),
                                               wasm_i32x4_extmul_low_i16x8(d11, wx1));
          const v128_t bot_hi = wasm_i32x4_add(wasm_i32x4_extmul_high_i16x8(d10, wx0),
                                               wasm_i32x4_extmul_high_i16x8(d11, wx1));
          const v128_t acc_lo =
              wasm_i32x4_add(wasm_i32x4_mul(top_lo, wy0), wasm_i32x4_mul(bot_lo, wy1));
          const v128_t acc_hi =
              wasm_i32x4_add(wasm_i32x4_mul(top_hi, wy0), wasm_i32x4_mul(bot_hi, wy1));
          return simd::narrow_to_int8(simd::requantize4(acc_lo, vm, rq),
                                      simd::requantize4(acc_hi, vm, rq), rq);
        };
        size_t c = 0;
        for (; c + 8 <= C; c += 8) {
          wasm_v128_store64_lane(out + c, block(t.p00 + c, t.p01 + c, t.p10 + c, t.p11 + c), 0);
        }
        if (c == C) return;
        if (C >= 8) {  // overlapping last block: recomputes a few channels identically
          const size_t c0 = C - 8;
          wasm_v128_store64_lane(out + c0, block(t.p00 + c0, t.p01 + c0, t.p10 + c0, t.p11 + c0),
                                 0);
          return;
        }
        int8_t b00[8] = {}, b01[8] = {}, b10[8] = {}, b11[8] = {}, res[16];
        std::memcpy(b00, t.p00, C);
        std::memcpy(b01, t.p01, C);
        std::memcpy(b10, t.p10, C);
        std::memcpy(b11, t.p11, C);
        wasm_v128_store(res, block(b00, b01, b10, b11));
        std::memcpy(out, res, C);
      });
}

void resize_bilinear_f32_c4__wasmsimd(const ResizeGeometry& g, const ResizeAxisTable& rows,
                                      const ResizeAxisTable& cols, const float* x, float* y) {
  const size_t C = g.channels;
  for_each_pixel(
      g, rows, cols, x, y, 1.0f, rows.w1.data(), cols.w1.data(),
      [&](const Taps<float, float>& t, float* out) {
        const v128_t wx0 = wasm_f32x4_splat(t.wx0), wx1 = wasm_f32x4_splat(t.wx1);
        const v128_t wy0 = wasm_f32x4_splat(t.wy0), wy1 = wasm_f32x4_splat(t.wy1);
        auto block = [&](v128_t v00, v128_t v01, v128_t v10, v128_t v11) {
          const v128_t top = wasm_f32x4_add(wasm_f32x4_mul(v00, wx0), wasm_f32x4_mul(v01, wx1));
          const v128_t bottom = wasm_f32x4_add(wasm_f32x4_mul(v10, wx0), wasm_f32x4_mul(v11, wx1));
          return wasm_f32x4_add(wasm_f32x4_mul(top, wy0), wasm_f32x4_mul(bottom, wy1));
        };
        auto at = [&](size_t c) {
          return block(wasm_v128_load(t.p00 + c), wasm_v128_load(t.p01 + c),
                       wasm_v128_load(t.p10 + c), wasm_v128_load(t.p11 + c));
        };
        size_t c = 0;
        for (; c + 4 <= C; c += 4) wasm_v128_store(out + c, at(c));
        if (c == C) return;
        if (C >= 4) {
          wasm_v128_store(out + C - 4, at(C - 4));
          return;
        }
        float b[4][4] = {}, res[4];
        const float* src[4] = {t.p00, t.p01, t.p10, t.p11};
        for (size_t i = 0; i < 4; ++i) std::memcpy(b[i], src[i], C * sizeof(float));
        wasm_v128_store(res, block(wasm_v128_load(b[0]), wasm_v128_load(b[1]), wasm_v128_load(b[2]),
                                   wasm_v128_load(b[3])));
        std::memcpy(out, res, C * sizeof(float));
      });
}

#else  // Native builds: scalar loops over the same tables.

void resize_bilinear_s8_c8__wasmsimd(const ResizeGeometry& g, const ResizeAxisTable& rows,
                                     const ResizeAxisTable& cols, const ResizeS8Params& p,
                                     const int8_t* x, int8_t* y) {
  for_each_pixel(g, rows, cols, x, y, int32_t{1} << kResizeWeightBits, rows.q1.data(),
                 cols.q1.data(), [&](const Taps<int8_t, int32_t>& t, int8_t* out) {
                   for (size_t c = 0; c < g.channels; ++c) {
                     const int32_t zp = p.input_zero_point;
                     const int32_t top = t.wx0 * (t.p00[c] - zp) + t.wx1 * (t.p01[c] - zp);
                     const int32_t bottom = t.wx0 * (t.p10[c] - zp) + t.wx1 * (t.p11[c] - zp);
                     out[c] = requantize_to_int8(t.wy0 * top + t.wy1 * bottom, p.multiplier,
                                                 p.shift, p.output_zero_point, -128, 127);
                   }
                 });
}

void resize_bilinear_f32_c4__wasmsimd(const ResizeGeometry& g, const ResizeAxisTable& rows,
                                      const ResizeAxisTable& cols, const float* x, float* y) {
  for_each_pixel(g, rows, cols, x, y, 1.0f, rows.w1.data(), cols.w1.data(),
                 [&](const Taps<float, float>& t, float* out) {
                   for (size_t c = 0; c < g.channels; ++c) {
                     const float top = t.p00[c] * t.wx0 + t.p01[c] * t.wx1;
                     const float bottom = t.p10[c] * t.wx0 + t.p11[c] * t.wx1;
                     out[c] = top * t.wy0 + bottom * t.wy1;
                   }
                 });
}

#endif

}  // namespace wi8
