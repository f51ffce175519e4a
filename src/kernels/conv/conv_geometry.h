// Geometry of a 2-D convolution in NHWC, shared by the conv kernels and the ops (which validate it:
// ops/conv_params.h). Kernels assume a validated geometry.
//
// Conv weights are OHWI: [out_c][kernel_h][kernel_w][in_c / groups] (TFLite's layout: one output
// channel's weights are contiguous in the order of an NHWC input patch).
// Depthwise weights (groups == in_c == out_c) are HWC: [kernel_h][kernel_w][channels].
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#if defined(__clang__)
#define WI8_NO_VECTORIZE _Pragma("clang loop vectorize(disable)")
#else
#define WI8_NO_VECTORIZE
#endif

namespace wi8 {

struct Conv2DGeometry {
  size_t batch = 1;
  size_t in_h = 0, in_w = 0, in_c = 0;
  size_t out_c = 0;
  size_t kernel_h = 1, kernel_w = 1;
  size_t stride_h = 1, stride_w = 1;
  size_t dilation_h = 1, dilation_w = 1;
  size_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  size_t groups = 1;

  // Derived by validate_conv2d().
  size_t out_h = 0, out_w = 0;

  size_t taps() const { return kernel_h * kernel_w; }
  size_t in_image() const { return in_h * in_w * in_c; }
  size_t out_image() const { return out_h * out_w * out_c; }
  size_t out_pixels() const { return out_h * out_w; }
  // True when the input can be used as the im2col matrix as it is.
  bool is_pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 &&
           pad_left == 0 && pad_bottom == 0 && pad_right == 0 && groups == 1;
  }
};

// Output rows [r0, r1) of one image of g, for the kernels that read their input through an
// indirection table (depthwise): called with the table's rows of those pixels and the same image
// base, they compute exactly these outputs (the thread split of a depthwise conv).
inline Conv2DGeometry output_rows(const Conv2DGeometry& g, size_t r0, size_t r1) {
  Conv2DGeometry band = g;
  band.batch = 1;
  band.out_h = r1 - r0;
  return band;
}

// Output rows per thread chunk of a depthwise conv: 1, or all of them (one chunk, on the calling
// thread) for kernels of more than 64 taps, whose kernels allocate their tap pointers.
inline size_t dw_row_grain(const Conv2DGeometry& g) { return g.taps() > 64 ? g.out_h : 1; }

// Input element offset of tap (kh, kw) for output pixel (oh, ow) within one image, or -1 where the
// tap falls into the padding.
inline int64_t conv_tap_offset(const Conv2DGeometry& g, size_t oh, size_t ow, size_t kh,
                               size_t kw) {
  const int64_t ih =
      static_cast<int64_t>(oh * g.stride_h + kh * g.dilation_h) - static_cast<int64_t>(g.pad_top);
  const int64_t iw =
      static_cast<int64_t>(ow * g.stride_w + kw * g.dilation_w) - static_cast<int64_t>(g.pad_left);
  if (ih < 0 || iw < 0 || ih >= static_cast<int64_t>(g.in_h) ||
      iw >= static_cast<int64_t>(g.in_w)) {
    return -1;
  }
  return (ih * static_cast<int64_t>(g.in_w) + iw) * static_cast<int64_t>(g.in_c);
}

// im2col for one image and one group: row p (output pixel) holds the patch [kh][kw][c] of the
// group's cin_g channels, padding filled with pad_value (the input zero point for int8, 0 for
// float). Rows are row_stride >= patch elements apart; the gap is filled with pad_value too (the
// GEMM may read it; its weights there are 0). Only rows [p_begin, p_end) are written (threads
// split the rows; nothing outside those rows is touched).
template <class T>
void im2col_nhwc(const Conv2DGeometry& g, size_t group, const T* x, T pad_value, T* out,
                 size_t row_stride, size_t p_begin = 0, size_t p_end = SIZE_MAX) {
  if (p_end > g.out_pixels()) p_end = g.out_pixels();
  const size_t cin_g = g.in_c / g.groups;
  const size_t patch = g.taps() * cin_g;
  const int64_t in_h = static_cast<int64_t>(g.in_h), in_w = static_cast<int64_t>(g.in_w);
  // Short runs (the first conv of a network: 1 or 3 channels, 3 to 9 values per kernel row) are
  // copied, and short gaps filled, in whole 16-byte blocks, which may read past the run (within
  // the image) and write past it (into the rest of this row or the next rows, all written after
  // this, in order; never past `out_end`): a memcpy call or a byte loop per 9 bytes costs more
  // than the copy. Longer runs: memcpy. The byte loops stay scalar: vectorized with their run-time
  // checks they were slower for short runs.
  const T* x_end = x + g.in_image();
  T* const out_end = out + p_end * row_stride;
  constexpr size_t kBlock = 16 / sizeof(T);
  T pad_block[kBlock];
  for (T& v : pad_block) v = pad_value;
  auto fill = [&](T* dst, size_t n) {
    if (n <= kBlock && static_cast<size_t>(out_end - dst) >= kBlock) {
      std::memcpy(dst, pad_block, 16);
      return;
    }
    WI8_NO_VECTORIZE
    for (size_t i = 0; i < n; ++i) dst[i] = pad_value;
  };
  auto copy = [x_end, out_end](T* dst, const T* src, size_t n) {
    const size_t blocks = (n + kBlock - 1) / kBlock;
    // Distances, not pointers past the buffer end (those would be undefined even if unused).
    if (blocks <= 4 && static_cast<size_t>(x_end - src) >= blocks * kBlock &&
        static_cast<size_t>(out_end - dst) >= blocks * kBlock) {
      for (size_t b = 0; b < blocks; ++b) std::memcpy(dst + b * kBlock, src + b * kBlock, 16);
    } else if (n < 16) {
      WI8_NO_VECTORIZE
      for (size_t i = 0; i < n; ++i) dst[i] = src[i];
    } else {
      std::memcpy(dst, src, n * sizeof(T));
    }
  };
  // With one group and no horizontal dilation, a kernel row's taps are one contiguous input run.
  const bool contiguous_taps = g.groups == 1 && g.dilation_w == 1;
  const size_t run = g.kernel_w * cin_g;
  // Per output row: the input row of each kernel row (null: padding), computed once per output
  // row rather than per pixel (kernels up to kRowsCached high; taller ones compute it per pixel).
  // With the block copies this took the 224x224x3 stem's im2col from 0.43-0.53 to 0.19-0.20 ms.
  constexpr size_t kRowsCached = 16;
  const T* src_rows[kRowsCached];
  const bool cached = g.kernel_h <= kRowsCached;
  auto input_row = [&](size_t oh, size_t kh) -> const T* {
    const int64_t ih =
        static_cast<int64_t>(oh * g.stride_h + kh * g.dilation_h) - static_cast<int64_t>(g.pad_top);
    if (ih < 0 || ih >= in_h) return nullptr;
    return x + static_cast<size_t>(ih) * g.in_w * g.in_c + group * cin_g;
  };
  size_t oh = p_begin / g.out_w, ow = p_begin % g.out_w;
  int64_t iw0 = static_cast<int64_t>(ow * g.stride_w) - static_cast<int64_t>(g.pad_left);
  for (size_t p = p_begin; p < p_end; ++p) {
    if (cached && (p == p_begin || ow == 0)) {
      for (size_t kh = 0; kh < g.kernel_h; ++kh) src_rows[kh] = input_row(oh, kh);
    }
    T* dst = out + p * row_stride;
    const bool interior = iw0 >= 0 && iw0 + static_cast<int64_t>(g.kernel_w) <= in_w;
    for (size_t kh = 0; kh < g.kernel_h; ++kh) {
      const T* x_row = cached ? src_rows[kh] : input_row(oh, kh);
      if (!x_row) {
        fill(dst, run);
        dst += run;
      } else if (contiguous_taps && interior) {
        copy(dst, x_row + static_cast<size_t>(iw0) * g.in_c, run);
        dst += run;
      } else {
        for (size_t kw = 0; kw < g.kernel_w; ++kw) {
          const int64_t iw = iw0 + static_cast<int64_t>(kw * g.dilation_w);
          if (iw < 0 || iw >= in_w) {
            fill(dst, cin_g);
          } else {
            copy(dst, x_row + static_cast<size_t>(iw) * g.in_c, cin_g);
          }
          dst += cin_g;
        }
      }
    }
    fill(dst, row_stride - patch);
    if (++ow == g.out_w) {
      ow = 0;
      ++oh;
      iw0 = -static_cast<int64_t>(g.pad_left);
    } else {
      iw0 += static_cast<int64_t>(g.stride_w);
    }
  }
}

// Indirection offsets for one image: for each output pixel, taps() input offsets (-1 = padding).
inline std::vector<int32_t> conv_indirection(const Conv2DGeometry& g) {
  std::vector<int32_t> ind(g.out_pixels() * g.taps());
  size_t i = 0;
  for (size_t oh = 0; oh < g.out_h; ++oh) {
    for (size_t ow = 0; ow < g.out_w; ++ow) {
      for (size_t kh = 0; kh < g.kernel_h; ++kh) {
        for (size_t kw = 0; kw < g.kernel_w; ++kw) {
          ind[i++] = static_cast<int32_t>(conv_tap_offset(g, oh, ow, kh, kw));
        }
      }
    }
  }
  return ind;
}

}  // namespace wi8
