#include <cstring>

#include "kernels/gemm/gemm_s8.h"
#include "kernels/simd_requant.h"
#include "quant/quant.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace wi8 {

#if defined(__wasm_simd128__)

namespace {

// [sum(a), sum(b), sum(c), sum(d)] from four i32x4 partial sums.
inline v128_t reduce4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab =
      wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd =
      wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5),
                        wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

}  // namespace

void gemm_s8_2x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride) {
  const size_t N = w.n, K = w.k;
  const size_t k_main = K / 8 * 8;
  const simd::RequantConsts rq(out.shift, out.zero_point, out.qmin, out.qmax);

  for (size_t m = 0; m < M; m += 2) {
    const int8_t* a0 = x + m * x_stride;
    // An odd last row computes row 0 twice and stores it once.
    const bool two_rows = m + 1 < M;
    const int8_t* a1 = two_rows ? a0 + x_stride : a0;
    int8_t* y0 = y + m * y_stride;
    int8_t* y1 = two_rows ? y0 + y_stride : y0;

    const int8_t* pw = w.weights.data();
    for (size_t n = 0; n < N; n += 4) {
      v128_t acc00 = wasm_i32x4_splat(0), acc01 = acc00, acc02 = acc00, acc03 = acc00;
      v128_t acc10 = acc00, acc11 = acc00, acc12 = acc00, acc13 = acc00;
      // One block of 8 k for both rows and 4 channels: 4 weight extends shared by 8 dot products.
      auto block = [&](v128_t va0, v128_t va1) {
        const v128_t vw01 = wasm_v128_load(pw);
        const v128_t vw23 = wasm_v128_load(pw + 16);
        pw += 32;
        const v128_t vb0 = wasm_i16x8_extend_low_i8x16(vw01);
        const v128_t vb1 = wasm_i16x8_extend_high_i8x16(vw01);
        const v128_t vb2 = wasm_i16x8_extend_low_i8x16(vw23);
        const v128_t vb3 = wasm_i16x8_extend_high_i8x16(vw23);
        acc00 = wasm_i32x4_add(acc00, wasm_i32x4_dot_i16x8(va0, vb0));
        acc01 = wasm_i32x4_add(acc01, wasm_i32x4_dot_i16x8(va0, vb1));
        acc02 = wasm_i32x4_add(acc02, wasm_i32x4_dot_i16x8(va0, vb2));
        acc03 = wasm_i32x4_add(acc03, wasm_i32x4_dot_i16x8(va0, vb3));
        acc10 = wasm_i32x4_add(acc10, wasm_i32x4_dot_i16x8(va1, vb0));
        acc11 = wasm_i32x4_add(acc11, wasm_i32x4_dot_i16x8(va1, vb1));
        acc12 = wasm_i32x4_add(acc12, wasm_i32x4_dot_i16x8(va1, vb2));
        acc13 = wasm_i32x4_add(acc13, wasm_i32x4_dot_i16x8(va1, vb3));
      };
      for (size_t k = 0; k < k_main; k += 8) {
        block(wasm_i16x8_load8x8(a0 + k), wasm_i16x8_load8x8(a1 + k));
      }
      if (k_main < K) {  // K tail: copy the last K % 8 inputs; the padded weights there are 0
        int8_t t0[8] = {0}, t1[8] = {0};
        std::memcpy(t0, a0 + k_main, K - k_main);
        std::memcpy(t1, a1 + k_main, K - k_main);
        block(wasm_i16x8_load8x8(t0), wasm_i16x8_load8x8(t1));
      }
      const v128_t vbias = wasm_v128_load(w.bias.data() + n);
      const v128_t vmult = wasm_v128_load(w.multiplier.data() + n);
      const v128_t r0 =
          simd::requantize4(wasm_i32x4_add(reduce4(acc00, acc01, acc02, acc03), vbias), vmult, rq);
      const v128_t r1 =
          simd::requantize4(wasm_i32x4_add(reduce4(acc10, acc11, acc12, acc13), vbias), vmult, rq);
      const v128_t v8 = simd::narrow_to_int8(r0, r1, rq);
      // Bytes 0..3: row 0, channels n..n+3; bytes 4..7: row 1.
      if (n + 4 <= N) {
        wasm_v128_store32_lane(y1 + n, v8, 1);  // row 1 first: y1 == y0 for an odd last row
        wasm_v128_store32_lane(y0 + n, v8, 0);
      } else {
        int8_t bytes[16];
        wasm_v128_store(bytes, v8);
        for (size_t j = 0; j < N - n; ++j) {
          y1[n + j] = bytes[4 + j];
          y0[n + j] = bytes[j];
        }
      }
    }
  }
}

#else  // Native builds: a scalar loop over the same packed layout (tests the packing natively).

void gemm_s8_2x4c8__wasmsimd_dot16x2(size_t M, const int8_t* x, size_t x_stride,
                                     const PackedGemmS8& w, const GemmS8Output& out, int8_t* y,
                                     size_t y_stride) {
  constexpr size_t NR = PackedGemmS8::kNR, KR = PackedGemmS8::kKR;
  const size_t k_padded = (w.k + KR - 1) / KR * KR;
  for (size_t m = 0; m < M; ++m) {
    const int8_t* a = x + m * x_stride;
    for (size_t n = 0; n < w.n; ++n) {
      const int8_t* block = w.weights.data() + n / NR * NR * k_padded;
      uint32_t acc = static_cast<uint32_t>(w.bias[n]);
      for (size_t k = 0; k < w.k; ++k) {
        const int8_t wv = block[(k / KR) * NR * KR + (n % NR) * KR + k % KR];
        acc += static_cast<uint32_t>(static_cast<int32_t>(a[k]) * wv);
      }
      y[m * y_stride + n] = requantize_to_int8(static_cast<int32_t>(acc), w.multiplier[n],
                                               out.shift, out.zero_point, out.qmin, out.qmax);
    }
  }
}

#endif

}  // namespace wi8
