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
#include <cstdint>
#include <functional>

namespace wi8 {

// The most threads this build can use (1 without thread support).
size_t max_threads();
// Uses n threads (the caller included) from now on, clamped to [1, max_threads()]; returns the
// number in effect. Threads are started the first time they are needed and kept: changing the
// count back and forth is cheap. Not to be called while a parallel_for is running.
size_t set_num_threads(size_t n);
size_t num_threads();

// Work (multiply-adds) below which an op runs on the caller alone: ~5-10 us on one thread, where
// handing a chunk to a worker that is spinning in the run's ParallelRegion costs a few us. On this
// 2-core machine (noisy, so only roughly), 2 threads against 1: at 2^19, before the regions (the
// workers slept between layers), the Fashion-MNIST MobileNet (layers of 0.1-0.8 M MACs) gained
// nothing; at 2^17 with regions 1.38-1.42x (the CNN 1.70x, MobileNetV2 1.72-1.85x); at 2^15 no
// better than 2^17.
constexpr size_t kMinParallelWork = size_t{1} << 17;

// `grain`, or n (one chunk: the caller alone) when `work` is too small to split. `work` is 64-bit:
// products of sizes (pixels x channels x taps) pass 2^32 on large inputs, and size_t is 32-bit in
// wasm (a wrapped count could fall under the threshold and run a large op on one thread).
inline size_t parallel_grain(size_t n, size_t grain, uint64_t work) {
  return work < kMinParallelWork ? (n ? n : 1) : grain;
}

// fn(begin, end) over [0, n) in chunks whose boundaries are multiples of `grain` (except n); fewer
// chunks than threads when n / grain is small. fn must not call parallel_for, throw, or allocate
// (in the browser a worker's malloc may grow the memory under the caller's heap views, and an
// abort in a worker would leave the caller waiting). One caller at a time: the pool is global.
void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

// Workers blocked waiting for work (asleep), the ones beyond the active count included; for tests
// and diagnostics. 0 without threads.
size_t sleeping_workers();

// While a ParallelRegion lives (e.g. one model run: the executor opens one), idle workers spin for
// the next parallel_for instead of going to sleep, however long the serial ops between two splits
// take, and the region's start wakes them, so they are awake when the first split comes. Outside
// regions they spin briefly and sleep. (With only the short spin, MobileNetV2 on 2 threads lost
// its workers to sleep between layers whenever the process had been idle: 8.7 -> 11.0 ms with a
// 20 ms pause before each run.) Regions nest; no-op without threads.
class ParallelRegion {
 public:
  ParallelRegion();
  ~ParallelRegion();
  ParallelRegion(const ParallelRegion&) = delete;
  ParallelRegion& operator=(const ParallelRegion&) = delete;
};

}  // namespace wi8
