// Helpers the op lowerings share (lower_ops.cc: fp32, lower_ops_s8.cc: int8): attributes,
// sliding-window and convolution geometry, typed step I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/lower.h"
#include "kernels/conv/conv_geometry.h"
#include "kernels/pool/pool.h"
#include "ops/concat.h"
#include "quant/quant.h"

namespace wi8 {

const float* f32_in(const Executor::StepIO& io, size_t k);
float* f32_out(const Executor::StepIO& io, size_t k);
Status fail(const GraphNode& n, const std::string& what);
int64_t attr_int(const GraphNode& n, const char* name, int64_t def);
float attr_float(const GraphNode& n, const char* name, float def);
std::string attr_string(const GraphNode& n, const char* name, const std::string& def);
// The clamp fused into n by simplify.h (none if not fused).
Activation fused_activation(const GraphNode& n);
std::vector<int64_t> dims4(size_t a, size_t b, size_t c, size_t d);

struct Window {
  size_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  size_t top = 0, left = 0, bottom = 0, right = 0;
};
// kernel_shape (given, or from the weights when `kernel` is set), strides, dilations, pads /
// auto_pad; every value checked.
Status window_attrs(const GraphNode& n, size_t in_h, size_t in_w, const int64_t* kernel, Window* w);
// Conv / QLinearConv geometry from X's dims, W's dims [O, I / group, kH, kW] and the attributes.
Status conv_geometry(Lowerer& L, const GraphNode& n, int x, const std::vector<int64_t>& w_dims,
                     Conv2DGeometry* g);

// The int8 op table (lower_ops_s8.cc) and the int8 MaxPool the MaxPool lowering hands over to.
LowerFn find_lowering_s8(const std::string& op);
void supported_ops_s8(std::vector<std::string>* ops);
Status lower_max_pool_s8(Lowerer& L, const GraphNode& n, int x);

// numpy broadcasting of two logical shapes (already checked by the op).
std::vector<int64_t> broadcast_dims(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

// Concat (fp32 and int8): picks one layout for all inputs (NHWC when any is NHWC and all are 4-D),
// converts them (ins is updated), creates the op and the output's logical dims.
struct ConcatPlan {
  std::shared_ptr<Concat> op;
  std::vector<int64_t> dims;
  bool nhwc = false;
  std::vector<size_t> lens;  // elements per input
};
Status plan_concat(Lowerer& L, const GraphNode& n, int64_t axis_attr,
                   const std::vector<QuantParams>& input_params, const QuantParams& output,
                   std::vector<int>* ins, ConcatPlan* out);

// Pool geometry from X's dims [N, C, H, W] and the window attributes (+ ceil_mode).
Status pool_window(Lowerer& L, const GraphNode& n, int x, Pool2DGeometry* g);

// ONNX weights [O][I][kH][kW] -> the ops' OHWI.
template <class T>
std::vector<T> oihw_to_ohwi(const std::vector<T>& w, size_t oc, size_t ic, size_t kh, size_t kw) {
  std::vector<T> r(w.size());
  for (size_t o = 0; o < oc; ++o) {
    for (size_t c = 0; c < ic; ++c) {
      for (size_t y = 0; y < kh; ++y) {
        for (size_t z = 0; z < kw; ++z) {
          r[((o * kh + y) * kw + z) * ic + c] = w[((o * ic + c) * kh + y) * kw + z];
        }
      }
    }
  }
  return r;
}

}  // namespace wi8
