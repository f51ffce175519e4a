#include "graph/planner.h"

#include <algorithm>
#include <iterator>
#include <map>

namespace wi8 {

namespace {

size_t align_up(size_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

}  // namespace

size_t plan_arena(std::vector<PlannedBuffer>* buffers) {
  std::vector<PlannedBuffer>& b = *buffers;
  // Buffers by the step that writes them, and by the step after which they die.
  size_t steps = 0;
  for (const PlannedBuffer& p : b) steps = std::max(steps, std::max(p.first, p.last) + 1);
  std::vector<std::vector<size_t>> born(steps), dies(steps);
  for (size_t i = 0; i < b.size(); ++i) {
    born[b[i].first].push_back(i);
    dies[std::max(b[i].first, b[i].last)].push_back(i);
  }
  // Free gaps below `end`: offset -> size, coalesced with their neighbours on insert.
  std::map<size_t, size_t> free;
  size_t end = 0;
  auto release = [&](size_t offset, size_t size) {
    auto next = free.lower_bound(offset);
    if (next != free.end() && offset + size == next->first) {
      size += next->second;
      next = free.erase(next);
    }
    if (next != free.begin()) {
      auto prev = std::prev(next);
      if (prev->first + prev->second == offset) {
        prev->second += size;
        return;
      }
    }
    free.emplace(offset, size);
  };
  for (size_t s = 0; s < steps; ++s) {
    // Larger buffers first within a step: they are the hardest to fit.
    std::sort(born[s].begin(), born[s].end(),
              [&](size_t x, size_t y) { return b[x].bytes > b[y].bytes; });
    for (size_t i : born[s]) {
      const size_t need = align_up(std::max<size_t>(b[i].bytes, 1));
      auto it = free.begin();
      while (it != free.end() && it->second < need) ++it;
      if (it != free.end()) {
        b[i].offset = it->first;
        const size_t rest = it->second - need;
        const size_t rest_at = it->first + need;
        free.erase(it);
        if (rest) free.emplace(rest_at, rest);
      } else if (!free.empty() &&
                 std::prev(free.end())->first + std::prev(free.end())->second == end) {
        // The last gap touches the end: grow the arena from the gap's start.
        auto last = std::prev(free.end());
        b[i].offset = last->first;
        end = last->first + need;
        free.erase(last);
      } else {
        b[i].offset = end;
        end += need;
      }
    }
    for (size_t i : dies[s]) release(b[i].offset, align_up(std::max<size_t>(b[i].bytes, 1)));
  }
  return end;
}

}  // namespace wi8
