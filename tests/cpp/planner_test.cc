#include "graph/planner.h"

#include <gtest/gtest.h>

#include <random>

namespace wi8 {
namespace {

// Buffers alive at the same time never share bytes; offsets are aligned; the arena is the end of
// the highest buffer.
void check_plan(const std::vector<PlannedBuffer>& b, size_t arena) {
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(b[i].offset % kArenaAlignment, 0u);
    EXPECT_LE(b[i].offset + b[i].bytes, arena);
    for (size_t j = i + 1; j < b.size(); ++j) {
      const bool live_together = b[i].first <= b[j].last && b[j].first <= b[i].last;
      const bool bytes_overlap =
          b[i].offset < b[j].offset + b[j].bytes && b[j].offset < b[i].offset + b[i].bytes;
      EXPECT_FALSE(live_together && bytes_overlap) << "buffers " << i << " and " << j;
    }
  }
}

TEST(Planner, ChainReusesMemory) {
  // A chain: step k reads buffer k and writes buffer k + 1. Two buffers are live at a time.
  std::vector<PlannedBuffer> b(50);
  for (size_t k = 0; k < b.size(); ++k) {
    b[k].bytes = 1000;
    b[k].first = k;
    b[k].last = k + 1;
  }
  const size_t arena = plan_arena(&b);
  check_plan(b, arena);
  EXPECT_LE(arena, 3 * 1008u);
}

TEST(Planner, RandomLifetimesNeverOverlap) {
  std::mt19937 rng(5);
  for (int round = 0; round < 50; ++round) {
    std::vector<PlannedBuffer> b(1 + rng() % 60);
    size_t total = 0;
    for (PlannedBuffer& p : b) {
      p.bytes = rng() % 5000;  // includes 0
      p.first = rng() % 40;
      p.last = p.first + rng() % 10;
      total += (p.bytes + 15) / 16 * 16 + 16;
    }
    const size_t arena = plan_arena(&b);
    check_plan(b, arena);
    EXPECT_LE(arena, total);
  }
}

}  // namespace
}  // namespace wi8
