// Data-movement kernels on N-d row-major tensors: Pad and Transpose. They move whole elements of
// any byte size, so int8 and fp32 share one code path (elem_size 1 and 4) and the fast kernels
// agree with the references byte for byte.
//
// - references: one loop over the output elements, each computing its source index;
// - Pad, pad_rows__wasmsimd: axis by axis; the innermost interior is one memcpy per row, constant
//   padding is filled with v128 stores of the repeated value, and reflect / edge padding rows of
//   outer axes are copies of output rows already written;
// - Transpose, transpose_tiled__wasmsimd: merges axes that stay adjacent and drops size-1 axes;
//   then either copies contiguous runs (the innermost axis is kept) or transposes 2-D tiles with
//   SIMD128 shuffles (16 x 16 for 1-byte, 4 x 4 for 4-byte elements; other sizes and tile edges
//   element by element); 3 rows into rows of 3 (an RGB image NCHW -> NHWC) interleave 16 / 4
//   columns at a time with two shuffles per output vector.
// Native builds run the same code with scalar tiles and fills.
//
// Kernels assume validated geometries (ops/pad.h, ops/transpose.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wi8 {

constexpr size_t kLayoutMaxRank = 8;

// ONNX Pad modes, with the semantics of the ONNX reference implementation (numpy.pad):
// - reflect mirrors without repeating the edge ([a b c] -> [c b | a b c | b a]); pads larger than
//   size - 1 keep reflecting (the padded axis is periodic with period 2 (size - 1)), and an axis of
//   size 1 repeats its element;
// - edge repeats the edge element.
// reflect and edge need a non-empty axis where they pad.
enum class PadMode { kConstant, kReflect, kEdge };

struct PadGeometry {
  size_t rank = 0;
  size_t in[kLayoutMaxRank] = {};
  size_t begin[kLayoutMaxRank] = {};
  size_t end[kLayoutMaxRank] = {};
  size_t out(size_t axis) const { return begin[axis] + in[axis] + end[axis]; }
};

// Input index along an axis of size n for position i relative to the input's start (i in
// [-begin, n + end)), or -1 where constant padding applies.
inline int64_t pad_source_index(PadMode mode, int64_t i, size_t n) {
  const int64_t last = static_cast<int64_t>(n) - 1;
  if (i >= 0 && i <= last) return i;
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return i < 0 ? 0 : last;
    case PadMode::kReflect: {
      if (last == 0) return 0;
      const int64_t period = 2 * last;
      int64_t j = i % period;
      if (j < 0) j += period;
      return j <= last ? j : period - j;
    }
  }
  return -1;
}

// value: elem_size bytes, the constant (constant mode only; int8 ops pass the quantized value).
void pad_reference(const PadGeometry& g, PadMode mode, size_t elem_size, const void* value,
                   const void* x, void* y);
void pad_rows__wasmsimd(const PadGeometry& g, PadMode mode, size_t elem_size, const void* value,
                        const void* x, void* y);

// Output axis i is input axis perm[i]: out shape[i] = in[perm[i]].
struct TransposeGeometry {
  size_t rank = 0;
  size_t in[kLayoutMaxRank] = {};
  size_t perm[kLayoutMaxRank] = {};
};

void transpose_reference(const TransposeGeometry& g, size_t elem_size, const void* x, void* y);
void transpose_tiled__wasmsimd(const TransposeGeometry& g, size_t elem_size, const void* x,
                               void* y);

}  // namespace wi8
