// Work splitting for the threaded build: parallel_for() cuts [0, n) into one contiguous chunk per
// thread; the calling thread runs the first chunk and returns when every chunk is done. The ops
// use it for the pixels / rows of a convolution or GEMM; each output is computed by the same
// kernel code whichever thread runs it, so the results do not depend on the thread count.
//
// Builds without threads (the default wasm module) run fn(0, n) on the caller. The threaded wasm
// module (compiled with -pthread) and native builds keep a pool of worker threads, started by
// set_num_threads(); in the browser that pool is Emscripten's pre-started Web Workers
// (PTHREAD_POOL_SIZE), so set_num_threads() never waits for the event loop.
#pragma once

#include <cstddef>
#include <functional>

namespace wi8 {

// The most threads this build can use (1 without thread support).
size_t max_threads();
// Uses n threads (the caller included) from now on, clamped to [1, max_threads()]; returns the
// number in effect. Threads are started the first time they are needed and kept: changing the
// count back and forth is cheap. Not to be called while a parallel_for is running.
size_t set_num_threads(size_t n);
size_t num_threads();

// Work (multiply-adds) below which an op runs on the caller alone: this much takes ~10-30 us on
// one thread, about what waking a sleeping worker costs. On this 2-core machine (noisy, so only
// roughly): with every op split the Fashion-MNIST MobileNet (layers of 0.1-0.8 M MACs) ran ~10 %
// slower on 2 threads than on 1; raising the limit to 2^20-2^21 kept it level but took
// MobileNetV2's depthwise layers (0.4-1.4 M) off the second thread.
constexpr size_t kMinParallelWork = size_t{1} << 19;

// `grain`, or n (one chunk: the caller alone) when `work` is too small to split.
inline size_t parallel_grain(size_t n, size_t grain, size_t work) {
  return work < kMinParallelWork ? (n ? n : 1) : grain;
}

// fn(begin, end) over [0, n) in chunks whose boundaries are multiples of `grain` (except n); fewer
// chunks than threads when n / grain is small. fn must not call parallel_for, throw, or allocate
// (in the browser a worker's malloc may grow the memory under the caller's heap views, and an
// abort in a worker would leave the caller waiting). One caller at a time: the pool is global.
void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

}  // namespace wi8
