// The thread split of a depthwise convolution, shared by the int8 and fp32 ops: per image, the
// output rows go to parallel_for in bands; a depthwise kernel reads its input through the
// indirection table, so it runs unchanged on a band (output_rows()) given the band's slice of the
// table and of the output. Every output is computed as on one thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/parallel.h"
#include "kernels/conv/conv_geometry.h"

namespace wi8 {

// kernel(band geometry, its indirection rows, the image, its first output pixel).
template <typename T, typename Kernel>
void depthwise_in_bands(const Conv2DGeometry& g, const int32_t* indirection, const T* x, T* y,
                        const Kernel& kernel) {
  const uint64_t work = uint64_t{g.out_pixels()} * g.out_c * g.taps();
  const size_t grain = parallel_grain(g.out_h, dw_row_grain(g), work);
  for (size_t b = 0; b < g.batch; ++b) {
    const T* image = x + b * g.in_image();
    T* out_image = y + b * g.out_image();
    parallel_for(g.out_h, grain, [&](size_t r0, size_t r1) {
      const size_t first = r0 * g.out_w;
      kernel(output_rows(g, r0, r1), indirection + first * g.taps(), image,
             out_image + first * g.out_c);
    });
  }
}

}  // namespace wi8
