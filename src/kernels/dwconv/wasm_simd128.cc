#include "kernels/dwconv/dwconv_s8.h"
#include "kernels/simd_requant.h"
#include "quant/quant.h"

namespace wi8 {

#if defined(__wasm_simd128__)

namespace {

// Accumulates two taps (inputs x0, x1: 8 channels widened to int16; weights wl, wh: the pair's
// packed weights of channels 0-3 and 4-7) into 8 channel sums: interleaving puts (tap 0, tap 1) of
// a channel next to each other, and one dot adds both products.
inline void two_taps(v128_t x0, v128_t x1, v128_t wl, v128_t wh, v128_t* acc_lo, v128_t* acc_hi) {
  const v128_t lo = wasm_i16x8_shuffle(x0, x1, 0, 8, 1, 9, 2, 10, 3, 11);
  const v128_t hi = wasm_i16x8_shuffle(x0, x1, 4, 12, 5, 13, 6, 14, 7, 15);
  *acc_lo = wasm_i32x4_add(*acc_lo, wasm_i32x4_dot_i16x8(lo, wl));
  *acc_hi = wasm_i32x4_add(*acc_hi, wasm_i32x4_dot_i16x8(hi, wh));
}

inline void two_taps(v128_t x0, v128_t x1, const int16_t* w, v128_t* acc_lo, v128_t* acc_hi) {
  two_taps(x0, x1, wasm_v128_load(w), wasm_v128_load(w + 8), acc_lo, acc_hi);
}

// Channels c..c+7 of one pixel, requantized and narrowed (bytes 0-7).
inline v128_t requantize8(v128_t acc_lo, v128_t acc_hi, const PackedDwS8& w, size_t c,
                          const simd::RequantConsts& rq) {
  return simd::narrow_to_int8(
      simd::requantize4(acc_lo, wasm_v128_load(w.multiplier.data() + c), rq),
      simd::requantize4(acc_hi, wasm_v128_load(w.multiplier.data() + c + 4), rq), rq);
}

// One output pixel, all channels. in[t] points at tap t's input pixel (padding already mapped to
// the zero-point row); in[] has an even number of entries (an odd tap count repeats the last
// pointer, whose paired weights are 0).
void dw_pixel(size_t taps, const int8_t* const* in, const PackedDwS8& w,
              const simd::RequantConsts& rq, int8_t* y, size_t c_start = 0) {
  const size_t pairs = PackedDwS8::pairs(taps);
  const size_t C = w.channels;
  const size_t c_main = C / 8 * 8;
  size_t c = c_start;
  for (; c < c_main; c += 8) {
    v128_t acc_lo = wasm_v128_load(w.bias.data() + c),
           acc_hi = wasm_v128_load(w.bias.data() + c + 4);
    const int16_t* pw = w.weights.data() + c / 8 * w.block_size();
    // Not unrolled: unrolled, clang hoists all tap loads ahead of the dots and V8 spills them.
#pragma clang loop unroll(disable)
    for (size_t p = 0; p < pairs; ++p) {
      two_taps(wasm_i16x8_load8x8(in[2 * p] + c), wasm_i16x8_load8x8(in[2 * p + 1] + c),
               pw + p * PackedDwS8::kPairValues, &acc_lo, &acc_hi);
    }
    wasm_v128_store64_lane(y + c, requantize8(acc_lo, acc_hi, w, c, rq), 0);
  }
  if (c < C) {
    // Channel tail: gather the last C % 8 inputs of each tap into zero-padded blocks, so nothing is
    // read past the end of a pixel; the padded weights are 0.
    const size_t rem = C - c;
    v128_t acc_lo = wasm_v128_load(w.bias.data() + c),
           acc_hi = wasm_v128_load(w.bias.data() + c + 4);
    const int16_t* pw = w.weights.data() + c / 8 * w.block_size();
    for (size_t p = 0; p < pairs; ++p) {
      int8_t b0[8] = {0}, b1[8] = {0};
      for (size_t j = 0; j < rem; ++j) {
        b0[j] = in[2 * p][c + j];
        b1[j] = in[2 * p + 1][c + j];
      }
      two_taps(wasm_i16x8_load8x8(b0), wasm_i16x8_load8x8(b1), pw + p * PackedDwS8::kPairValues,
               &acc_lo, &acc_hi);
    }
    int8_t bytes[16];
    wasm_v128_store(bytes, requantize8(acc_lo, acc_hi, w, c, rq));
    for (size_t j = 0; j < rem; ++j) y[c + j] = bytes[j];
  }
}

// Two output pixels (tap pointers in0, in1), channels [0, C / 8 * 8): each tap pair's weights are
// loaded once for both pixels.
void dw_pixels2_main(size_t taps, const int8_t* const* in0, const int8_t* const* in1,
                     const PackedDwS8& w, const simd::RequantConsts& rq, int8_t* y0, int8_t* y1) {
  const size_t pairs = PackedDwS8::pairs(taps);
  const size_t c_main = w.channels / 8 * 8;
  for (size_t c = 0; c < c_main; c += 8) {
    v128_t a0_lo = wasm_v128_load(w.bias.data() + c), a0_hi = wasm_v128_load(w.bias.data() + c + 4);
    v128_t a1_lo = a0_lo, a1_hi = a0_hi;
    const int16_t* pw = w.weights.data() + c / 8 * w.block_size();
    const int8_t* const* t0 = in0;
    const int8_t* const* t1 = in1;
#pragma clang loop unroll(disable)
    for (size_t p = 0; p < pairs; ++p, t0 += 2, t1 += 2, pw += PackedDwS8::kPairValues) {
      const v128_t wl = wasm_v128_load(pw), wh = wasm_v128_load(pw + 8);
      two_taps(wasm_i16x8_load8x8(t0[0] + c), wasm_i16x8_load8x8(t0[1] + c), wl, wh, &a0_lo,
               &a0_hi);
      two_taps(wasm_i16x8_load8x8(t1[0] + c), wasm_i16x8_load8x8(t1[1] + c), wl, wh, &a1_lo,
               &a1_hi);
    }
    wasm_v128_store64_lane(y0 + c, requantize8(a0_lo, a0_hi, w, c, rq), 0);
    wasm_v128_store64_lane(y1 + c, requantize8(a1_lo, a1_hi, w, c, rq), 0);
  }
}

void dw_run(const Conv2DGeometry& g, const int32_t* indirection, const int8_t* x,
            const int8_t* zero, const PackedDwS8& w, const GemmS8Output& out, int8_t* y) {
  const simd::RequantConsts rq(out.shift, out.zero_point, out.qmin, out.qmax);
  const size_t taps = g.taps();
  const size_t slots = PackedDwS8::pairs(taps) * 2;
  constexpr size_t kStackSlots = 64;
  const int8_t* stack_ptrs[2 * kStackSlots];
  std::vector<const int8_t*> heap_ptrs(slots > kStackSlots ? 2 * slots : 0);
  const int8_t** ptrs0 = slots > kStackSlots ? heap_ptrs.data() : stack_ptrs;
  const int8_t** ptrs1 = ptrs0 + (slots > kStackSlots ? slots : kStackSlots);
  const size_t c_main = w.channels / 8 * 8;
  const size_t P = g.out_pixels();
  for (size_t b = 0; b < g.batch; ++b) {
    const int8_t* image = x + b * g.in_image();
    const int32_t* ind = indirection;
    auto pointers = [&](const int8_t** ptrs) {
      for (size_t t = 0; t < taps; ++t) {
        const int32_t off = ind[t];
        ptrs[t] = off >= 0 ? image + off : zero;
      }
      if (slots > taps) ptrs[taps] = ptrs[taps - 1];
      ind += taps;
    };
    size_t p = 0;
    for (; p + 2 <= P; p += 2) {  // pixels in pairs: the weights are loaded once for both
      pointers(ptrs0);
      pointers(ptrs1);
      dw_pixels2_main(taps, ptrs0, ptrs1, w, rq, y, y + g.out_c);
      if (c_main < w.channels) {
        dw_pixel(taps, ptrs0, w, rq, y, c_main);
        dw_pixel(taps, ptrs1, w, rq, y + g.out_c, c_main);
      }
      y += 2 * g.out_c;
    }
    if (p < P) {
      pointers(ptrs0);
      dw_pixel(taps, ptrs0, w, rq, y);
      y += g.out_c;
    }
  }
}

}  // namespace

void dwconv_s8_c8__wasmsimd_dot16x2(const Conv2DGeometry& g, const int32_t* indirection,
                                    const int8_t* x, const int8_t* zero, const PackedDwS8& w,
                                    const GemmS8Output& out, int8_t* y) {
  dw_run(g, indirection, x, zero, w, out, y);
}

#else  // Native builds: a scalar loop over the same packed data and indirection.

void dwconv_s8_c8__wasmsimd_dot16x2(const Conv2DGeometry& g, const int32_t* indirection,
                                    const int8_t* x, const int8_t* zero, const PackedDwS8& w,
                                    const GemmS8Output& out, int8_t* y) {
  const size_t taps = g.taps(), C = w.channels;
  for (size_t b = 0; b < g.batch; ++b) {
    const int8_t* image = x + b * g.in_image();
    for (size_t p = 0; p < g.out_pixels(); ++p) {
      const int32_t* ind = indirection + p * taps;
      for (size_t c = 0; c < C; ++c) {
        uint32_t acc = static_cast<uint32_t>(w.bias[c]);
        for (size_t t = 0; t < taps; ++t) {
          const int8_t v = ind[t] >= 0 ? image[ind[t] + static_cast<int32_t>(c)] : zero[c];
          acc += static_cast<uint32_t>(static_cast<int32_t>(v) * w.weight(t, c));
        }
        *y++ = requantize_to_int8(static_cast<int32_t>(acc), w.multiplier[c], out.shift,
                                  out.zero_point, out.qmin, out.qmax);
      }
    }
  }
}

#endif

}  // namespace wi8
