#include "kernels/dwconv/dwconv_s8.h"
#include "kernels/simd_requant.h"
#include "quant/quant.h"

namespace wi8 {

#if defined(__wasm_simd128__)

namespace {

// One output pixel: taps input pointers (padding already mapped to `zero`), all channels.
// kTaps > 0 fixes the tap count at compile time so the tap loop unrolls; 0 = runtime count.
template <size_t kTaps>
void dw_pixel(size_t taps_rt, const int8_t* const* in, const PackedDwS8& w,
              const simd::RequantConsts& rq, int8_t* y) {
  const size_t taps = kTaps ? kTaps : taps_rt;
  const size_t C = w.channels;
  const size_t cp = w.bias.size();
  const size_t c_main = C / 8 * 8;
  for (size_t c = 0; c < c_main; c += 8) {
    v128_t acc_lo = wasm_v128_load(w.bias.data() + c);
    v128_t acc_hi = wasm_v128_load(w.bias.data() + c + 4);
    const int16_t* pw = w.weights.data() + c;
    for (size_t t = 0; t < taps; ++t) {
      const v128_t vx = wasm_i16x8_load8x8(in[t] + c);
      const v128_t vw = wasm_v128_load(pw + t * cp);
      acc_lo = wasm_i32x4_add(acc_lo, wasm_i32x4_extmul_low_i16x8(vx, vw));
      acc_hi = wasm_i32x4_add(acc_hi, wasm_i32x4_extmul_high_i16x8(vx, vw));
    }
    const v128_t r_lo = simd::requantize4(acc_lo, wasm_v128_load(w.multiplier.data() + c), rq);
    const v128_t r_hi = simd::requantize4(acc_hi, wasm_v128_load(w.multiplier.data() + c + 4), rq);
    wasm_v128_store64_lane(y + c, simd::narrow_to_int8(r_lo, r_hi, rq), 0);
  }
  if (c_main < C) {
    // Channel tail: gather the last C % 8 inputs of each tap into a zero-padded block, so nothing
    // is read past the end of a pixel; the padded weights are 0.
    const size_t rem = C - c_main;
    v128_t acc_lo = wasm_v128_load(w.bias.data() + c_main);
    v128_t acc_hi = wasm_v128_load(w.bias.data() + c_main + 4);
    const int16_t* pw = w.weights.data() + c_main;
    for (size_t t = 0; t < taps; ++t) {
      int8_t block[8] = {0};
      for (size_t j = 0; j < rem; ++j) block[j] = in[t][c_main + j];
      const v128_t vx = wasm_i16x8_load8x8(block);
      const v128_t vw = wasm_v128_load(pw + t * cp);
      acc_lo = wasm_i32x4_add(acc_lo, wasm_i32x4_extmul_low_i16x8(vx, vw));
      acc_hi = wasm_i32x4_add(acc_hi, wasm_i32x4_extmul_high_i16x8(vx, vw));
    }
    const v128_t r_lo = simd::requantize4(acc_lo, wasm_v128_load(w.multiplier.data() + c_main), rq);
    const v128_t r_hi =
        simd::requantize4(acc_hi, wasm_v128_load(w.multiplier.data() + c_main + 4), rq);
    int8_t bytes[16];
    wasm_v128_store(bytes, simd::narrow_to_int8(r_lo, r_hi, rq));
    for (size_t j = 0; j < rem; ++j) y[c_main + j] = bytes[j];
  }
}

template <size_t kTaps>
void dw_run(const Conv2DGeometry& g, const int32_t* indirection, const int8_t* x,
            const int8_t* zero, const PackedDwS8& w, const GemmS8Output& out, int8_t* y) {
  const simd::RequantConsts rq(out.shift, out.zero_point, out.qmin, out.qmax);
  const size_t taps = g.taps();
  constexpr size_t kMaxStackTaps = 64;
  const int8_t* stack_ptrs[kMaxStackTaps];
  std::vector<const int8_t*> heap_ptrs(taps > kMaxStackTaps ? taps : 0);
  const int8_t** ptrs = taps > kMaxStackTaps ? heap_ptrs.data() : stack_ptrs;
  for (size_t b = 0; b < g.batch; ++b) {
    const int8_t* image = x + b * g.in_image();
    const int32_t* ind = indirection;
    for (size_t p = 0; p < g.out_pixels(); ++p) {
      for (size_t t = 0; t < taps; ++t) {
        const int32_t off = ind[t];
        ptrs[t] = off >= 0 ? image + off : zero;
      }
      ind += taps;
      dw_pixel<kTaps>(taps, ptrs, w, rq, y);
      y += g.out_c;
    }
  }
}

}  // namespace

void dwconv_s8_c8__wasmsimd_mul16(const Conv2DGeometry& g, const int32_t* indirection,
                                  const int8_t* x, const int8_t* zero, const PackedDwS8& w,
                                  const GemmS8Output& out, int8_t* y) {
  switch (g.taps()) {
    case 9:
      dw_run<9>(g, indirection, x, zero, w, out, y);
      break;
    case 25:
      dw_run<25>(g, indirection, x, zero, w, out, y);
      break;
    default:
      dw_run<0>(g, indirection, x, zero, w, out, y);
  }
}

#else  // Native builds: a scalar loop over the same packed data and indirection.

void dwconv_s8_c8__wasmsimd_mul16(const Conv2DGeometry& g, const int32_t* indirection,
                                  const int8_t* x, const int8_t* zero, const PackedDwS8& w,
                                  const GemmS8Output& out, int8_t* y) {
  const size_t taps = g.taps(), C = w.channels, cp = w.bias.size();
  for (size_t b = 0; b < g.batch; ++b) {
    const int8_t* image = x + b * g.in_image();
    for (size_t p = 0; p < g.out_pixels(); ++p) {
      const int32_t* ind = indirection + p * taps;
      for (size_t c = 0; c < C; ++c) {
        uint32_t acc = static_cast<uint32_t>(w.bias[c]);
        for (size_t t = 0; t < taps; ++t) {
          const int8_t v = ind[t] >= 0 ? image[ind[t] + static_cast<int32_t>(c)] : zero[c];
          acc += static_cast<uint32_t>(static_cast<int32_t>(v) * w.weights[t * cp + c]);
        }
        *y++ = requantize_to_int8(static_cast<int32_t>(acc), w.multiplier[c], out.shift,
                                  out.zero_point, out.qmin, out.qmax);
      }
    }
  }
}

#endif

}  // namespace wi8
