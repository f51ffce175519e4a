// parallel_for (core/parallel.h) and the ops that split their work with it: every index is
// visited once, chunks keep their grain, and a convolution gives the same bytes on 1 and on
// several threads, and a FullyConnected the reference's.
#include "core/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "conv_test_util.h"
#include "ops/conv2d.h"
#include "ops/conv2d_f32.h"
#include "ops/fully_connected.h"
#include "ops/gemm_split.h"
#include "ops/op_util.h"
#include "test_util.h"

namespace wi8 {
namespace {

using test::geometry;

// Restores one thread when a test ends, whatever it asserted.
struct ThreadCount {
  explicit ThreadCount(size_t n) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(1); }
};

TEST(ParallelFor, VisitsEveryIndexOnceInGrainAlignedChunks) {
  for (size_t threads : {1, 2, 3, 4}) {
    ThreadCount tc(threads);
    EXPECT_EQ(num_threads(), std::min(threads, max_threads()));  // 1 in the single-threaded wasm
    for (size_t n : {0, 1, 5, 8, 9, 64, 1000}) {
      for (size_t grain : {1, 4, 8}) {
        std::vector<std::atomic<int>> seen(n);
        std::atomic<int> bad_chunk{0};
        parallel_for(n, grain, [&](size_t begin, size_t end) {
          if (begin % grain != 0 || end <= begin || end > n) ++bad_chunk;
          for (size_t i = begin; i < end; ++i) ++seen[i];
        });
        EXPECT_EQ(bad_chunk.load(), 0) << n << " " << grain;
        for (size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i].load(), 1) << i;
      }
    }
  }
  // Many small tasks in a row: the workers hand every one back.
  ThreadCount tc(3);
  std::atomic<size_t> total{0};
  for (int k = 0; k < 2000; ++k) {
    parallel_for(7, 1, [&](size_t b, size_t e) { total += e - b; });
  }
  EXPECT_EQ(total.load(), 2000u * 7u);
}

// A chunk that takes milliseconds (as when the OS takes a worker off its core mid-chunk):
// parallel_for returns only once every chunk is done, whichever thread ran the slow one.
TEST(ParallelFor, ReturnsOnlyWhenASlowChunkIsDone) {
  using namespace std::chrono_literals;
  for (size_t threads : {2, 3}) {
    ThreadCount tc(threads);
    for (int k = 0; k < 40; ++k) {
      const size_t slow = static_cast<size_t>(k) % threads;
      std::vector<std::atomic<int>> done(threads);
      parallel_for(threads, 1, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          if (i == slow) std::this_thread::sleep_for(k % 2 ? 3ms : 300us);
          done[i] = 1;
        }
      });
      for (size_t i = 0; i < threads; ++i) ASSERT_EQ(done[i].load(), 1) << threads << " " << k;
    }
  }
}

// Inside (nested) regions the workers spin instead of sleeping; the work is the same, at any thread
// count, including a region opened at one thread.
TEST(ParallelFor, RegionsKeepResultsAndNest) {
  for (size_t threads : {1, 3, 2}) {
    ThreadCount tc(threads);
    std::atomic<size_t> total{0};
    {
      const ParallelRegion outer;
      for (int k = 0; k < 500; ++k) {
        const ParallelRegion inner;
        parallel_for(64, 8, [&](size_t b, size_t e) { total += e - b; });
      }
      parallel_for(1000, 1, [&](size_t b, size_t e) { total += e - b; });
    }
    EXPECT_EQ(total.load(), 500u * 64u + 1000u) << threads;
  }
}

// A region keeps the active workers awake (spinning) however long it lasts, and lets them sleep
// again when it ends; workers beyond the active count sleep throughout.
TEST(ParallelFor, RegionKeepsActiveWorkersAwakeUntilItEnds) {
  using namespace std::chrono_literals;
  auto eventually = [](size_t want) {
    for (int i = 0; i < 3000 && sleeping_workers() != want; ++i) std::this_thread::sleep_for(1ms);
    return sleeping_workers();
  };
  if (max_threads() == 1) {  // the single-threaded build: no workers at all
    const ParallelRegion region;
    EXPECT_EQ(sleeping_workers(), 0u);
    return;
  }
  ThreadCount all(max_threads());  // every worker started
  set_num_threads(2);
  const size_t workers = max_threads() - 1;
  parallel_for(64, 1, [](size_t, size_t) {});
  EXPECT_EQ(eventually(workers), workers) << "idle workers should sleep";
  {
    const ParallelRegion region;
    EXPECT_EQ(eventually(workers - 1), workers - 1) << "the region should wake the active worker";
    std::this_thread::sleep_for(50ms);  // far longer than the spin outside regions
    EXPECT_EQ(sleeping_workers(), workers - 1) << "the active worker slept inside the region";
  }
  EXPECT_EQ(eventually(workers), workers) << "the worker should sleep after the region";
}

// The depthwise, pointwise and im2col paths, int8 and fp32: 3 threads give 1 thread's bytes.
// (A split that computed anything differently would show: e.g. a wrong row offset.)
TEST(ParallelFor, ConvolutionsGiveTheSameBytesOnAnyThreadCount) {
  test::Rng rng(8);
  const Conv2DGeometry shapes[] = {
      geometry(1, 13, 11, 24, 24, 3, 3, 1, 1, 1, 24),  // depthwise
      geometry(2, 9, 9, 16, 16, 3, 3, 2, 1, 1, 16),    // depthwise, strided, batch 2
      geometry(1, 15, 7, 16, 40, 1, 1, 1, 1, 0, 1),    // pointwise
      geometry(1, 12, 12, 3, 8, 3, 3, 2, 1, 1, 1),     // im2col
      geometry(1, 40, 37, 16, 10, 3, 3, 1, 1, 1, 1),   // im2col, 4 fp32 bands
      // Above kMinParallelWork (the shapes above run on one thread: too little work to split).
      geometry(1, 64, 64, 32, 32, 3, 3, 1, 1, 1, 32),   // depthwise
      geometry(2, 96, 96, 32, 32, 3, 3, 2, 1, 1, 32),   // depthwise, strided, batch 2
      geometry(1, 7, 7, 960, 960, 3, 3, 1, 1, 1, 960),  // depthwise, 7 rows on 3 threads
      geometry(1, 5, 9, 200, 200, 5, 5, 1, 1, 2, 200),  // depthwise 5x5, 45 pixels, 200 channels
      geometry(1, 40, 40, 64, 48, 1, 1, 1, 1, 0, 1),    // pointwise, split by rows
      geometry(1, 48, 48, 16, 32, 3, 3, 2, 1, 1, 1),    // im2col
      // Pointwise with more weights than input rows: split by blocks of 8 channels (the last one
      // partial), batch 2 in one GEMM.
      geometry(2, 7, 7, 160, 203, 1, 1, 1, 1, 0, 1),
  };
  for (const Conv2DGeometry& g0 : shapes) {
    Conv2DGeometry g = g0;
    ASSERT_TRUE(validate_conv2d("t", &g).is_ok());
    const size_t patch = g.taps() * (g.in_c / g.groups);
    Conv2DS8Params p;
    p.geometry = g;
    p.input = {0.02f, 3};
    p.output = {0.05f, -7};
    const std::vector<int8_t> w = rng.int8s(g.out_c * patch, -127, 127);
    const std::vector<float> scales = rng.floats(g.out_c, 0.001f, 0.02f);
    std::vector<int32_t> bias(g.out_c);
    for (auto& b : bias) b = rng.int_in(-3000, 3000);
    std::unique_ptr<Conv2DS8> q;
    ASSERT_TRUE(Conv2DS8::create(p, w.data(), scales.data(), bias.data(), &q).is_ok());
    Conv2DF32Params pf;
    pf.geometry = g;
    const std::vector<float> wf = rng.floats(g.out_c * patch, -1.0f, 1.0f);
    const std::vector<float> bf = rng.floats(g.out_c, -1.0f, 1.0f);
    std::unique_ptr<Conv2DF32> f;
    ASSERT_TRUE(Conv2DF32::create(pf, wf.data(), bf.data(), &f).is_ok());
    const std::vector<int8_t> xq = rng.int8s(q->input_size());
    const std::vector<float> xf = rng.floats(f->input_size(), -2.0f, 2.0f);
    auto run = [&](size_t threads, std::vector<int8_t>* yq, std::vector<float>* yf) {
      ThreadCount tc(threads);
      yq->assign(q->output_size(), 0);
      yf->assign(f->output_size(), 0.0f);
      std::vector<int8_t> wsq(q->workspace_size());
      std::vector<float> wsf(f->workspace_size());
      ASSERT_TRUE(
          q->run(xq.data(), xq.size(), yq->data(), yq->size(), wsq.data(), wsq.size()).is_ok());
      ASSERT_TRUE(
          f->run(xf.data(), xf.size(), yf->data(), yf->size(), wsf.data(), wsf.size()).is_ok());
    };
    std::vector<int8_t> q1, q3;
    std::vector<float> f1, f3;
    run(1, &q1, &f1);
    run(3, &q3, &f3);
    EXPECT_EQ(q1, q3) << test::describe(g);
    EXPECT_EQ(f1, f3) << test::describe(g);
  }
}

// A batch-1 FullyConnected splits its output channels across the threads (a row split has one
// row): every channel block, the partial last one included, gives the reference's bytes; so does a
// batch with more rows than twice the outputs, which splits by rows (gemm_split_by_channels).
TEST(ParallelFor, FullyConnectedSplitsByChannelsAndGivesTheReferenceBytes) {
  test::Rng rng(12);
  const struct {
    size_t batch, out_features;
  } cases[] = {{1, 1003}, {3, 1003}, {300, 1003}, {300, 20}};
  for (const auto& c : cases) {
    const size_t batch = c.batch;
    ASSERT_EQ(gemm_split_by_channels(batch, c.out_features), c.out_features == 1003);
    FullyConnectedParams p;
    p.in_features = 300;
    p.out_features = c.out_features;
    p.input = {0.02f, -4};
    p.output = {0.3f, 6};
    const std::vector<int8_t> w = rng.int8s(p.out_features * p.in_features, -127, 127);
    const std::vector<float> scales = rng.floats(p.out_features, 0.001f, 0.02f);
    std::vector<int32_t> bias(p.out_features);
    for (auto& b : bias) b = rng.int_in(-3000, 3000);
    std::unique_ptr<FullyConnectedS8> fc;
    ASSERT_TRUE(FullyConnectedS8::create(p, w.data(), scales.data(), bias.data(), &fc).is_ok());
    const std::vector<int8_t> x = rng.int8s(batch * p.in_features);
    Requantization rq;
    ASSERT_TRUE(
        make_requantization("t", p.input, scales.data(), p.output, p.out_features, &rq).is_ok());
    GemmS8Output out;
    out.multiplier = rq.multiplier.data();
    out.shift = rq.shift;
    out.zero_point = p.output.zero_point;
    std::vector<int8_t> ref(batch * p.out_features);
    gemm_s8_reference(batch, p.out_features, p.in_features, x.data(), p.in_features,
                      p.input.zero_point, w.data(), bias.data(), out, ref.data(), p.out_features);
    for (const size_t threads : {1, 2, 3}) {
      ThreadCount tc(threads);
      std::vector<int8_t> y(batch * p.out_features, 99);
      ASSERT_TRUE(fc->run(x.data(), x.size(), batch, y.data(), y.size()).is_ok());
      EXPECT_EQ(y, ref) << "batch " << batch << ", " << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace wi8
