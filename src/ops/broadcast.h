// numpy-style broadcasting of two operands, reduced to runs for the elementwise kernels.
//
// plan_broadcast() aligns the shapes at the right, checks every axis (equal, or one of them 1),
// and merges adjacent axes that both operands traverse the same way, so that a typical NHWC case
// (bias per channel, scalar, same shape) becomes a few long runs. for_each_run() then calls
// fn(a_offset, b_offset, y_offset, n) for runs whose inner increments are a_inc / b_inc (0 or 1).
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"
#include "ops/shape.h"

namespace wi8 {

struct BroadcastPlan {
  Shape output;  // broadcast shape, rank max(rank a, rank b)
  size_t output_elements = 0;
  // Merged axes (outermost first); strides are element strides, 0 where broadcast.
  std::vector<size_t> dims, a_strides, b_strides;
  size_t a_inc = 1, b_inc = 1;  // increments within a run (the last merged axis)
};

inline Status plan_broadcast(const std::string& op, const Shape& a, const Shape& b,
                             BroadcastPlan* plan) {
  size_t na = 0, nb = 0;
  WI8_RETURN_IF_ERROR(checked_elements(a, op + ": input A", &na));
  WI8_RETURN_IF_ERROR(checked_elements(b, op + ": input B", &nb));
  const size_t rank = a.size() > b.size() ? a.size() : b.size();
  Shape ea(rank, 1), eb(rank, 1);
  for (size_t i = 0; i < a.size(); ++i) ea[rank - a.size() + i] = a[i];
  for (size_t i = 0; i < b.size(); ++i) eb[rank - b.size() + i] = b[i];
  plan->output.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    if (ea[i] != eb[i] && ea[i] != 1 && eb[i] != 1) {
      return Status::error(op + ": shapes " + shape_string(a) + " and " + shape_string(b) +
                           " do not broadcast (axis " + std::to_string(i) + ": " +
                           std::to_string(ea[i]) + " vs " + std::to_string(eb[i]) + ")");
    }
    plan->output[i] = ea[i] == 1 ? eb[i] : ea[i];
  }
  WI8_RETURN_IF_ERROR(checked_elements(plan->output, op + ": output", &plan->output_elements));
  // Contiguous strides of the (rank-extended) inputs, 0 on broadcast axes; then merge axes.
  std::vector<size_t> sa(rank), sb(rank);
  size_t ca = 1, cb = 1;
  for (size_t i = rank; i-- > 0;) {
    sa[i] = ea[i] == 1 ? 0 : ca;
    sb[i] = eb[i] == 1 ? 0 : cb;
    ca *= ea[i];
    cb *= eb[i];
  }
  plan->dims.clear();
  plan->a_strides.clear();
  plan->b_strides.clear();
  for (size_t i = 0; i < rank; ++i) {
    const size_t d = plan->output[i];
    if (d == 1) continue;  // size-1 axes do not move anything
    if (!plan->dims.empty()) {
      // Merge with the previous axis if each operand steps through both as one axis.
      size_t& pd = plan->dims.back();
      const bool a_ok = plan->a_strides.back() == sa[i] * d;
      const bool b_ok = plan->b_strides.back() == sb[i] * d;
      if (a_ok && b_ok) {
        pd *= d;
        plan->a_strides.back() = sa[i];
        plan->b_strides.back() = sb[i];
        continue;
      }
    }
    plan->dims.push_back(d);
    plan->a_strides.push_back(sa[i]);
    plan->b_strides.push_back(sb[i]);
  }
  if (plan->dims.empty()) {  // a single element
    plan->dims.push_back(1);
    plan->a_strides.push_back(0);
    plan->b_strides.push_back(0);
  }
  plan->a_inc = plan->a_strides.back() ? 1 : 0;
  plan->b_inc = plan->b_strides.back() ? 1 : 0;
  return Status::ok();
}

template <class Fn>
void for_each_run(const BroadcastPlan& p, Fn fn) {
  if (p.output_elements == 0) return;
  const size_t outer_rank = p.dims.size() - 1;
  const size_t inner = p.dims.back();
  size_t index[kMaxRank] = {0};
  size_t a_off = 0, b_off = 0;
  for (size_t y_off = 0; y_off < p.output_elements; y_off += inner) {
    fn(a_off, b_off, y_off, inner);
    // Odometer over the outer axes.
    for (size_t ax = outer_rank; ax-- > 0;) {
      a_off += p.a_strides[ax];
      b_off += p.b_strides[ax];
      if (++index[ax] < p.dims[ax]) break;
      a_off -= p.a_strides[ax] * p.dims[ax];
      b_off -= p.b_strides[ax] * p.dims[ax];
      index[ax] = 0;
    }
  }
}

}  // namespace wi8
