#include <gtest/gtest.h>

#include <algorithm>

#include "kernels/gemm/gemm_s8.h"
#include "quant/quant.h"
#include "test_util.h"

namespace wi8 {
namespace {

struct Case {
  size_t M, N, K;
  int32_t x_zp, y_zp;
  int shift;
  int8_t qmin, qmax;
  bool bias;
};

using GemmFn = void (*)(size_t, const int8_t*, size_t, const PackedGemmS8&, const GemmS8Output&,
                        int8_t*, size_t, bool, size_t, size_t);
const struct {
  const char* name;
  GemmFn fn;
} kVariants[] = {{"2x8c2", gemm_s8_2x8c2__wasmsimd_dot16x2},
                 {"4x8c2", gemm_s8_4x8c2__wasmsimd_dot16x2},
                 // What the ops call: the tiles picked by K and M.
                 {"packed", gemm_s8_packed}};

// Runs every packed microkernel and the reference on the same random problem; they must agree bit
// for bit.
void check_case(const Case& c, test::Rng& rng, int x_lo = -128, int x_hi = 127, int w_lo = -127,
                int w_hi = 127) {
  std::vector<int8_t> x = rng.int8s(c.M * c.K, x_lo, x_hi);
  std::vector<int8_t> w = rng.int8s(c.N * c.K, w_lo, w_hi);
  std::vector<int32_t> bias(c.N), mult(c.N);
  for (auto& b : bias) b = rng.int_in(-(1 << 20), 1 << 20);
  for (auto& m : mult) m = rng.int_in(0, INT32_MAX);
  GemmS8Output out;
  out.multiplier = mult.data();
  out.shift = c.shift;
  out.zero_point = c.y_zp;
  out.qmin = c.qmin;
  out.qmax = c.qmax;
  std::vector<int8_t> ref(c.M * c.N), got(c.M * c.N, 99);
  gemm_s8_reference(c.M, c.N, c.K, x.data(), c.K, c.x_zp, w.data(), c.bias ? bias.data() : nullptr,
                    out, ref.data(), c.N);
  // Rows padded to a multiple of 8 with garbage, for the x_padded mode.
  const size_t stride = (c.K + 7) / 8 * 8;
  std::vector<int8_t> xp = rng.int8s(c.M * stride);
  for (size_t m = 0; m < c.M; ++m) std::copy_n(&x[m * c.K], c.K, &xp[m * stride]);
  const PackedGemmS8 packed =
      pack_gemm_s8(c.N, c.K, w.data(), c.bias ? bias.data() : nullptr, c.x_zp, mult.data());
  for (const auto& v : kVariants) {
    for (bool padded : {false, true}) {
      std::fill(got.begin(), got.end(), int8_t{99});
      if (padded) {
        v.fn(c.M, xp.data(), stride, packed, out, got.data(), c.N, true, 0, kGemmAllChannels);
      } else {
        v.fn(c.M, x.data(), c.K, packed, out, got.data(), c.N, false, 0, kGemmAllChannels);
      }
      ASSERT_EQ(ref, got) << v.name << (padded ? " padded" : "") << " M=" << c.M << " N=" << c.N
                          << " K=" << c.K << " x_zp=" << c.x_zp << " y_zp=" << c.y_zp
                          << " shift=" << c.shift;
    }
    // The channels in blocks (a thread split by channels): each call writes its own channels
    // only, and together they give the reference's bytes. Random cuts at multiples of 8, the last
    // range ending past N.
    std::fill(got.begin(), got.end(), int8_t{99});
    for (size_t n0 = 0; n0 < c.N;) {
      const size_t n1 = n0 + PackedGemmS8::kNr * static_cast<size_t>(rng.int_in(1, 3));
      std::vector<int8_t> before = got;
      v.fn(c.M, x.data(), c.K, packed, out, got.data(), c.N, false, n0,
           n1 >= c.N ? kGemmAllChannels : n1);
      for (size_t m = 0; m < c.M; ++m) {
        for (size_t n = 0; n < c.N; ++n) {
          const bool mine = n >= n0 && n < n1;
          ASSERT_EQ(got[m * c.N + n], mine ? ref[m * c.N + n] : before[m * c.N + n])
              << v.name << " channels [" << n0 << ", " << n1 << ") wrote row " << m << " channel "
              << n << "; M=" << c.M << " N=" << c.N << " K=" << c.K;
        }
      }
      n0 = n1;
    }
  }
}

TEST(GemmS8, MicrokernelIsBitExactWithReferenceOnEdgeSizes) {
  test::Rng rng(2024);
  // Every M, N, K around the tiles (2 or 4 rows, 8 channels, 8 k): not multiples included.
  for (size_t M = 1; M <= 9; ++M) {
    for (size_t N = 1; N <= 17; ++N) {
      for (size_t K = 1; K <= 25; ++K) {
        // Shifts around 31 cover the saturating (< 32), high-word (32: what the ops choose) and
        // shifted (> 32) requantization paths.
        const int pick = rng.int_in(0, 2);
        const int shift = pick == 0   ? rng.int_in(kMinRequantShift, 31)
                          : pick == 1 ? kGemmRequantShift
                                      : rng.int_in(33, 40);
        check_case({M, N, K, rng.int_in(-128, 127), rng.int_in(-128, 127), shift, -128, 127,
                    rng.int_in(0, 1) == 1},
                   rng);
      }
    }
  }
}

TEST(GemmS8, MicrokernelIsBitExactWithReferenceOnRandomShapes) {
  test::Rng rng(77);
  for (int i = 0; i < 150; ++i) {
    const size_t M = static_cast<size_t>(rng.int_in(1, 33));
    const size_t N = static_cast<size_t>(rng.int_in(1, 70));
    const size_t K = static_cast<size_t>(rng.int_in(1, 300));
    const int8_t qmin = static_cast<int8_t>(rng.int_in(-128, 0));
    const int8_t qmax = static_cast<int8_t>(rng.int_in(0, 127));
    // Realistic shifts keep outputs inside the int8 range instead of all saturated.
    check_case({M, N, K, rng.int_in(-128, 127), rng.int_in(-128, 127), rng.int_in(36, 50), qmin,
                qmax, true},
               rng);
  }
}

TEST(GemmS8, PackedSplitsRowsIntoTilesAroundTheDeepKAndTheLongK) {
  test::Rng rng(31);
  // gemm_s8_packed: 4-row tiles from kGemmS8DeepK, then 2-row tiles for the rest; past K = 2048
  // the rows are widened in pieces (2-row tiles), 2049: a piece of one k.
  for (size_t K : {kGemmS8DeepK - 1, kGemmS8DeepK, size_t{255}, size_t{2048}, size_t{2049}}) {
    for (size_t M = 1; M <= 9; ++M) {
      check_case({M, 11, K, rng.int_in(-128, 127), rng.int_in(-128, 127), rng.int_in(36, 50), -128,
                  127, true},
                 rng);
    }
  }
}

TEST(GemmS8, ExtremeValuesAndLargeK) {
  test::Rng rng(5);
  // All inputs at -128 with zero point 127 and weights at +-127: the largest products.
  check_case({3, 7, 4099, 127, -128, 31, -128, 127, true}, rng, -128, -128, 127, 127);
  check_case({3, 7, 4099, -128, 127, 62, -128, 127, true}, rng, 127, 127, -127, -127);
  check_case({4, 5, 65536, 127, 0, kMinRequantShift, -128, 127, true}, rng);
  // The smallest shift with the largest products: results beyond int32 both ways, which the
  // reference saturates (and the shift < 32 path must not wrap).
  check_case({3, 7, 4099, 127, 5, kMinRequantShift, -128, 127, true}, rng, -128, -128, 127, 127);
  check_case({3, 7, 4099, 127, -5, kMinRequantShift, -128, 127, true}, rng, -128, -128, -127, -127);
}

}  // namespace
}  // namespace wi8
