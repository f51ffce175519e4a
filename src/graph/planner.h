// The static memory planner: every runtime tensor of a plan gets an offset in one arena, and
// tensors whose lifetimes do not overlap share bytes.
//
// Lifetimes are step indices: a buffer is written by step `first` and last read by step `last`.
// Buffers are placed in step order, first fit into the gaps freed by dead buffers (the free list
// is kept sorted and coalesced), so a chain of N steps costs O(N x live buffers), not O(N^2).
// A buffer is freed only after the outputs of its last step are placed, so no step writes over
// its own inputs.
#pragma once

#include <cstddef>
#include <vector>

namespace wi8 {

constexpr size_t kArenaAlignment = 16;

struct PlannedBuffer {
  size_t bytes = 0;
  size_t first = 0;   // step that writes it (graph inputs: 0)
  size_t last = 0;    // last step that reads it (graph outputs: the number of steps)
  size_t offset = 0;  // filled by plan_arena()
};

// Assigns offsets (multiples of kArenaAlignment) and returns the arena size in bytes.
size_t plan_arena(std::vector<PlannedBuffer>* buffers);

}  // namespace wi8
