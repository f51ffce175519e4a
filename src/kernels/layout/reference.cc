#include <cstring>

#include "kernels/layout/layout.h"

namespace wi8 {

void pad_reference(const PadGeometry& g, PadMode mode, size_t elem_size, const void* value,
                   const void* x, void* y) {
  const auto* in = static_cast<const uint8_t*>(x);
  auto* out = static_cast<uint8_t*>(y);
  size_t count = 1;
  for (size_t a = 0; a < g.rank; ++a) count *= g.out(a);
  size_t coord[kLayoutMaxRank] = {};  // output coordinates of element i
  for (size_t i = 0; i < count; ++i) {
    // Source offset (row-major over g.in), or none if any axis falls into constant padding.
    bool constant = false;
    size_t offset = 0;
    for (size_t a = 0; a < g.rank; ++a) {
      const int64_t pos = static_cast<int64_t>(coord[a]) - static_cast<int64_t>(g.begin[a]);
      const int64_t src = pad_source_index(mode, pos, g.in[a]);
      if (src < 0) {
        constant = true;
        break;
      }
      offset = offset * g.in[a] + static_cast<size_t>(src);
    }
    std::memcpy(out + i * elem_size, constant ? value : in + offset * elem_size, elem_size);
    for (size_t a = g.rank; a-- > 0;) {  // next output coordinate
      if (++coord[a] < g.out(a)) break;
      coord[a] = 0;
    }
  }
}

void transpose_reference(const TransposeGeometry& g, size_t elem_size, const void* x, void* y) {
  const auto* in = static_cast<const uint8_t*>(x);
  auto* out = static_cast<uint8_t*>(y);
  size_t in_stride[kLayoutMaxRank];
  size_t count = 1;
  for (size_t a = g.rank; a-- > 0;) {
    in_stride[a] = count;
    count *= g.in[a];
  }
  size_t coord[kLayoutMaxRank] = {};  // output coordinates of element i
  for (size_t i = 0; i < count; ++i) {
    size_t offset = 0;
    for (size_t a = 0; a < g.rank; ++a) offset += coord[a] * in_stride[g.perm[a]];
    std::memcpy(out + i * elem_size, in + offset * elem_size, elem_size);
    for (size_t a = g.rank; a-- > 0;) {
      if (++coord[a] < g.in[g.perm[a]]) break;
      coord[a] = 0;
    }
  }
}

}  // namespace wi8
