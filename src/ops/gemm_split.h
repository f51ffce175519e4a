// The thread split of an int8 GEMM whose rows are ready in memory (pointwise convolutions,
// FullyConnected; the im2col convolutions split rows, which each thread builds itself).
//
// By rows, every thread reads all the packed weights (int16, N x K x 2 bytes) and its share of the
// input rows; by blocks of 8 output channels, every thread reads all the input rows and its share
// of the weights. So the split goes by channels where the weights are the larger read: the late
// MobileNetV2 layers (7x7 and 14x14 pixels, 96-1280 channels) and a batch-1 FullyConnected, which
// rows cannot split at all. Every output is computed by the same kernel code either way (int32
// sums, the same requantization), so the results do not depend on the split or the thread count.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/parallel.h"
#include "kernels/gemm/gemm_s8.h"

namespace wi8 {

// GEMM rows per thread chunk in a row split are multiples of this (the tiles are 2 or 4 rows).
constexpr size_t kGemmRowGrain = 8;

// True when a thread split of an M x N GEMM goes by channel blocks: the packed weights (2N bytes a
// k) outweigh the input rows (M bytes a k), and there are blocks to share.
inline bool gemm_split_by_channels(size_t M, size_t N) {
  return 2 * N > M && N > PackedGemmS8::kNr;
}

// y[M x N] (rows y_stride apart) = the GEMM of x[M x K] with w, split across the threads.
inline void gemm_s8_parallel(size_t M, const int8_t* x, size_t x_stride, const PackedGemmS8& w,
                             const GemmS8Output& out, int8_t* y, size_t y_stride,
                             bool x_padded = false) {
  const uint64_t work = uint64_t{M} * w.n * w.k;
  if (gemm_split_by_channels(M, w.n)) {
    const size_t blocks = (w.n + PackedGemmS8::kNr - 1) / PackedGemmS8::kNr;
    parallel_for(blocks, parallel_grain(blocks, 1, work), [&](size_t b0, size_t b1) {
      gemm_s8_packed(M, x, x_stride, w, out, y, y_stride, x_padded, b0 * PackedGemmS8::kNr,
                     b1 * PackedGemmS8::kNr);
    });
    return;
  }
  parallel_for(M, parallel_grain(M, kGemmRowGrain, work), [&](size_t m0, size_t m1) {
    gemm_s8_packed(m1 - m0, x + m0 * x_stride, x_stride, w, out, y + m0 * y_stride, y_stride,
                   x_padded);
  });
}

}  // namespace wi8
