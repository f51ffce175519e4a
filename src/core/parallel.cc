#include "core/parallel.h"

#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define WI8_THREADS 1
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace wi8 {

#if WI8_THREADS

namespace {

// Chunk k of n items split into `chunks` parts aligned to `grain`.
void chunk_bounds(size_t n, size_t grain, size_t chunks, size_t k, size_t* begin, size_t* end) {
  const size_t units = (n + grain - 1) / grain;
  *begin = units * k / chunks * grain;
  *end = units * (k + 1) / chunks * grain;
  if (*end > n) *end = n;
  if (*begin > n) *begin = n;
}

#if defined(__EMSCRIPTEN__)
constexpr size_t kMaxThreads = 4;  // PTHREAD_POOL_SIZE (CMakeLists.txt) + the calling thread
#else
constexpr size_t kMaxThreads = 8;
#endif
// Outside a ParallelRegion, a worker that finished a chunk spins this many times for the next one
// before it sleeps (consecutive splits often follow within microseconds, and waking a sleeping
// thread costs more than a small layer); inside a region it spins until the next chunk comes or
// the region ends.
constexpr int kSpins = 20000;

class Pool {
 public:
  ~Pool() { resize(1); }

  size_t size() const { return workers_.size() + 1; }
  size_t active() const { return active_.load(); }
  // Threads used from now on; the pool only grows (threads are started once and kept).
  void use(size_t threads) {
    if (threads > size()) resize(threads);
    active_ = threads;
  }

  void resize(size_t threads) {
    if (threads == size()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    // Threads may start after the next run() began (Emscripten starts them asynchronously): each
    // waits for the first generation after this one.
    const uint64_t start = generation_.load();
    for (size_t k = 1; k < threads; ++k)
      workers_.emplace_back([this, k, start] { loop(k, start); });
  }

  // ParallelRegion: while held_ > 0 the active workers do not sleep.
  void hold() {
    if (held_.fetch_add(1, std::memory_order_acq_rel) == 0 && active_.load() > 1) {
      { std::lock_guard<std::mutex> lock(mutex_); }  // a worker between its check and wait() ...
      wake_.notify_all();                            // ... is then waiting, and sees this
    }
  }
  void release() { held_.fetch_sub(1, std::memory_order_acq_rel); }

  void run(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
    const size_t units = (n + grain - 1) / grain;
    const size_t active = active_.load();
    // One chunk per thread, claimed by whoever is free: a worker that the OS does not schedule
    // (another program busy on the cores) leaves its chunk to the caller instead of stalling it.
    // (Four chunks per thread measured slower: 1.54x instead of 1.80x on MobileNetV2, 2 threads.)
    const size_t chunks = units < active ? units : active;
    if (active <= 1 || chunks <= 1) {
      if (n) fn(0, n);
      return;
    }
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      n_ = n;
      grain_ = grain;
      chunks_ = chunks;
      done_.store(0, std::memory_order_relaxed);
      gen = generation_.fetch_add(1, std::memory_order_acq_rel) + 1;
      claim_.store(gen << 32, std::memory_order_release);
    }
    wake_.notify_all();
    work(gen, n, grain, chunks, &fn);
    while (done_.load(std::memory_order_acquire) != chunks) {
    }
  }

 private:
  // Claims chunks of generation `gen` (claim_ holds the generation in its high 32 bits and the
  // next chunk in its low ones) until none is left, and runs them.
  void work(uint64_t gen, size_t n, size_t grain, size_t chunks,
            const std::function<void(size_t, size_t)>* fn) {
    for (;;) {
      uint64_t c = claim_.load(std::memory_order_acquire);
      size_t k;
      do {
        k = static_cast<size_t>(c & 0xffffffffu);
        if ((c >> 32) != (gen & 0xffffffffu) || k >= chunks) return;
      } while (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel));
      size_t begin, end;
      chunk_bounds(n, grain, chunks, k, &begin, &end);
      (*fn)(begin, end);  // dereferenced only for a claimed chunk: fn is then this generation's
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void loop(size_t index, uint64_t seen) {
    for (;;) {
      // Threads beyond the active count (after setThreads() lowered it) sleep without spinning.
      auto held = [&] {
        return held_.load(std::memory_order_relaxed) > 0 &&
               index < active_.load(std::memory_order_relaxed);
      };
      int spins = index < active_.load(std::memory_order_relaxed) ? 0 : kSpins;
      while (generation_.load(std::memory_order_acquire) == seen && (held() || ++spins < kSpins)) {
        if (stop_.load(std::memory_order_relaxed)) break;
      }
      const std::function<void(size_t, size_t)>* fn;
      size_t n, grain, chunks;
      {
        // The task and its generation are read together: run() writes them under this lock.
        std::unique_lock<std::mutex> lock(mutex_);
        ++sleeping_;
        wake_.wait(lock, [&] { return stop_ || generation_.load() != seen || held(); });
        --sleeping_;
        if (stop_) return;
        seen = generation_.load();
        fn = fn_;
        n = n_;
        grain = grain_;
        chunks = chunks_;
      }
      // A generation that is over already (its chunks all claimed), or a wake-up by hold() with
      // no new generation, is skipped by work().
      if (index < active_.load(std::memory_order_relaxed)) work(seen, n, grain, chunks, fn);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};  // set under mutex_ (the wait's predicate), read by spinners
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> claim_{0};  // generation << 32 | next chunk
  std::atomic<size_t> done_{0};     // chunks finished in this generation
  const std::function<void(size_t, size_t)>* fn_ = nullptr;
  size_t n_ = 0, grain_ = 1, chunks_ = 0;
  std::atomic<size_t> active_{1};
  std::atomic<size_t> held_{0};      // open ParallelRegions
  std::atomic<size_t> sleeping_{0};  // workers in wake_.wait()

 public:
  size_t sleeping() const { return sleeping_.load(); }
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

size_t max_threads() { return kMaxThreads; }

size_t set_num_threads(size_t n) {
  if (n < 1) n = 1;
  if (n > kMaxThreads) n = kMaxThreads;
  pool().use(n);
  return n;
}

size_t num_threads() { return pool().active(); }

void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  pool().run(n, grain ? grain : 1, fn);
}

size_t sleeping_workers() { return pool().sleeping(); }

ParallelRegion::ParallelRegion() { pool().hold(); }
ParallelRegion::~ParallelRegion() { pool().release(); }

#else

size_t max_threads() { return 1; }
size_t set_num_threads(size_t) { return 1; }
size_t num_threads() { return 1; }
void parallel_for(size_t n, size_t, const std::function<void(size_t, size_t)>& fn) {
  if (n) fn(0, n);
}

size_t sleeping_workers() { return 0; }

ParallelRegion::ParallelRegion() = default;
ParallelRegion::~ParallelRegion() = default;

#endif

}  // namespace wi8
