#include "graph/fold.h"

#include <cmath>
#include <cstring>
#include <numeric>

#include "graph/simplify.h"

namespace wi8 {

namespace {

bool is_integer(DType t) { return t != DType::kFloat32; }

// A tensor of `dtype` and `dims` from values given as int64 (integer types) or float.
TensorDesc make_ints(DType dtype, std::vector<int64_t> dims, const std::vector<int64_t>& v) {
  TensorDesc t;
  t.constant = true;
  t.has_shape = true;
  t.dtype = dtype;
  t.dims = std::move(dims);
  t.data.resize(v.size() * dtype_size(dtype));
  for (size_t k = 0; k < v.size(); ++k) {
    switch (dtype) {
      case DType::kInt64:
        std::memcpy(t.data.data() + 8 * k, &v[k], 8);
        break;
      case DType::kInt32: {
        const int32_t x = static_cast<int32_t>(v[k]);
        std::memcpy(t.data.data() + 4 * k, &x, 4);
        break;
      }
      case DType::kFloat32: {
        const float x = static_cast<float>(v[k]);
        std::memcpy(t.data.data() + 4 * k, &x, 4);
        break;
      }
      case DType::kBool:
        t.data[k] = v[k] != 0;
        break;
      default:  // int8 / uint8: two's complement truncation
        t.data[k] = static_cast<uint8_t>(v[k]);
    }
  }
  return t;
}

TensorDesc make_floats(std::vector<int64_t> dims, const std::vector<float>& v) {
  TensorDesc t;
  t.constant = true;
  t.has_shape = true;
  t.dtype = DType::kFloat32;
  t.dims = std::move(dims);
  t.data.resize(v.size() * 4);
  if (!v.empty()) std::memcpy(t.data.data(), v.data(), v.size() * 4);
  return t;
}

// Copies elements of `t` picked by `index` (source element per output element) into a tensor of
// `dims`, whatever the dtype.
TensorDesc gather_elements(const TensorDesc& t, std::vector<int64_t> dims,
                           const std::vector<size_t>& index) {
  TensorDesc r;
  r.constant = true;
  r.has_shape = true;
  r.dtype = t.dtype;
  r.dims = std::move(dims);
  const size_t es = dtype_size(t.dtype);
  r.data.resize(index.size() * es);
  for (size_t k = 0; k < index.size(); ++k) {
    std::memcpy(r.data.data() + k * es, t.data.data() + index[k] * es, es);
  }
  return r;
}

size_t product(const std::vector<int64_t>& d, size_t from = 0, size_t to = SIZE_MAX) {
  size_t p = 1;
  for (size_t k = from; k < d.size() && k < to; ++k) p *= static_cast<size_t>(d[k]);
  return p;
}

class Folder {
 public:
  Folder(const Graph& g, const GraphNode& n, const std::vector<const TensorDesc*>& in)
      : g_(g), n_(n), in_(in) {}

  Status error(const std::string& what) const { return node_error(n_, what); }
  const TensorDesc* input(size_t k) const { return k < in_.size() ? in_[k] : nullptr; }
  int64_t int_attr(const char* name, int64_t def) const {
    const Attr* a = n_.attr(name);
    return a ? a->i : def;
  }
  Status normalize_axis(int64_t axis, size_t rank, size_t* out) const {
    return wi8::normalize_axis(n_, axis, rank, out);
  }
  // Axes from the attribute (before opset 13) or the second input.
  std::vector<int64_t> axes_operand(size_t input_index) const {
    if (const TensorDesc* t = input(input_index)) return constant_ints(*t);
    const Attr* a = n_.attr("axes");
    return a ? a->ints : std::vector<int64_t>();
  }

  Status run(std::vector<TensorDesc>* out, bool* done) {
    *done = true;
    const std::string& op = n_.op;
    const TensorDesc* x = input(0);
    if (!x && op != "ConstantOfShape") {
      *done = false;
      return Status::ok();
    }
    if (op == "Identity" || op == "Dropout") {
      out->push_back(*x);
    } else if (op == "Cast") {
      return cast(*x, out);
    } else if (op == "Gather") {
      return gather(*x, out);
    } else if (op == "Unsqueeze" || op == "Squeeze") {
      return squeeze(*x, op == "Unsqueeze", out);
    } else if (op == "Concat") {
      return concat(out);
    } else if (op == "Reshape" || op == "Flatten") {
      return reshape(*x, op == "Flatten", out);
    } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
      return arithmetic(out);
    } else if (op == "ConstantOfShape") {
      return constant_of_shape(out);
    } else if (op == "Slice") {
      return slice(*x, out);
    } else if (op == "Transpose") {
      return transpose(*x, out);
    } else if (op == "DequantizeLinear") {
      return dequantize(*x, out);
    } else {
      *done = false;
    }
    return Status::ok();
  }

 private:
  Status cast(const TensorDesc& x, std::vector<TensorDesc>* out) {
    const Attr* to = n_.attr("to");
    if (!to) return error("Cast needs the 'to' attribute");
    DType dt;
    switch (to->i) {
      case 1:
        dt = DType::kFloat32;
        break;
      case 2:
        dt = DType::kUint8;
        break;
      case 3:
        dt = DType::kInt8;
        break;
      case 6:
        dt = DType::kInt32;
        break;
      case 7:
        dt = DType::kInt64;
        break;
      case 9:
        dt = DType::kBool;
        break;
      default:
        return error("Cast to ONNX type " + std::to_string(to->i) + " is not supported");
    }
    if (dt == DType::kFloat32) {
      out->push_back(make_floats(x.dims, constant_floats(x)));
    } else {
      out->push_back(make_ints(dt, x.dims, constant_ints(x)));
    }
    return Status::ok();
  }

  Status gather(const TensorDesc& x, std::vector<TensorDesc>* out) {
    const TensorDesc* idx = input(1);
    if (!idx || x.dims.empty()) return error("Gather needs data of rank >= 1 and indices");
    size_t axis;
    WI8_RETURN_IF_ERROR(normalize_axis(int_attr("axis", 0), x.dims.size(), &axis));
    const std::vector<int64_t> ind = constant_ints(*idx);
    const int64_t n = x.dims[axis];
    std::vector<int64_t> dims(x.dims.begin(), x.dims.begin() + static_cast<long>(axis));
    dims.insert(dims.end(), idx->dims.begin(), idx->dims.end());
    dims.insert(dims.end(), x.dims.begin() + static_cast<long>(axis) + 1, x.dims.end());
    const size_t outer = product(x.dims, 0, axis), inner = product(x.dims, axis + 1);
    std::vector<size_t> index;
    for (size_t o = 0; o < outer; ++o) {
      for (int64_t i : ind) {
        if (i < -n || i >= n) {
          return error("Gather index " + std::to_string(i) +
                       " is out of range for a dimension of " + std::to_string(n));
        }
        const size_t a = static_cast<size_t>(i < 0 ? i + n : i);
        for (size_t k = 0; k < inner; ++k) {
          index.push_back((o * static_cast<size_t>(n) + a) * inner + k);
        }
      }
    }
    out->push_back(gather_elements(x, dims, index));
    return Status::ok();
  }

  Status squeeze(const TensorDesc& x, bool unsqueeze, std::vector<TensorDesc>* out) {
    TensorDesc t = x;
    WI8_RETURN_IF_ERROR(squeeze_dims(n_, x.dims, axes_operand(1), unsqueeze, &t.dims));
    out->push_back(std::move(t));
    return Status::ok();
  }

  Status concat(std::vector<TensorDesc>* out) {
    const TensorDesc& first = *in_[0];
    size_t axis;
    WI8_RETURN_IF_ERROR(normalize_axis(int_attr("axis", 0), first.dims.size(), &axis));
    TensorDesc t = first;
    t.dims[axis] = 0;
    const size_t outer = product(first.dims, 0, axis);
    const size_t es = dtype_size(first.dtype);
    std::vector<size_t> block(in_.size());
    for (size_t k = 0; k < in_.size(); ++k) {
      const TensorDesc* a = in_[k];
      if (!a || a->dtype != first.dtype || a->dims.size() != first.dims.size()) {
        return error("Concat inputs must have one dtype and rank");
      }
      for (size_t d = 0; d < first.dims.size(); ++d) {
        if (d != axis && a->dims[d] != first.dims[d]) {
          return error("Concat input " + std::to_string(k) + " differs in dimension " +
                       std::to_string(d));
        }
      }
      t.dims[axis] += a->dims[axis];
      block[k] = product(a->dims, axis) * es;
    }
    t.data.clear();
    for (size_t o = 0; o < outer; ++o) {
      for (size_t k = 0; k < in_.size(); ++k) {
        const uint8_t* p = in_[k]->data.data() + o * block[k];
        t.data.insert(t.data.end(), p, p + block[k]);
      }
    }
    out->push_back(std::move(t));
    return Status::ok();
  }

  Status reshape(const TensorDesc& x, bool flatten, std::vector<TensorDesc>* out) {
    TensorDesc t = x;
    if (flatten) {
      WI8_RETURN_IF_ERROR(flatten_dims(n_, x.dims, &t.dims));
    } else {
      const TensorDesc* s = input(1);
      std::vector<int64_t> shape = s ? constant_ints(*s) : std::vector<int64_t>();
      if (!s) {
        if (const Attr* a = n_.attr("shape")) shape = a->ints;
      }
      WI8_RETURN_IF_ERROR(reshape_dims(n_, x.dims, int_attr("allowzero", 0) != 0, &shape));
      t.dims = shape;
    }
    out->push_back(std::move(t));
    return Status::ok();
  }

 private:
  Status arithmetic(std::vector<TensorDesc>* out) {
    const TensorDesc* a = input(0);
    const TensorDesc* b = input(1);
    if (!a || !b || a->dtype != b->dtype) return error("both inputs must have the same dtype");
    const size_t rank = std::max(a->dims.size(), b->dims.size());
    std::vector<int64_t> ea(rank, 1), eb(rank, 1), dims(rank);
    std::copy(a->dims.begin(), a->dims.end(),
              ea.begin() + static_cast<long>(rank - a->dims.size()));
    std::copy(b->dims.begin(), b->dims.end(),
              eb.begin() + static_cast<long>(rank - b->dims.size()));
    for (size_t k = 0; k < rank; ++k) {
      if (ea[k] != eb[k] && ea[k] != 1 && eb[k] != 1) return error("shapes do not broadcast");
      dims[k] = ea[k] == 1 ? eb[k] : ea[k];
    }
    const size_t count = product(dims);
    if (count > kMaxFoldElements) return error("the folded tensor is too large");
    std::vector<size_t> ia(count), ib(count);
    for (size_t i = 0; i < count; ++i) {
      size_t rem = i, oa = 0, ob = 0, sa = 1, sb = 1;
      for (size_t k = rank; k-- > 0;) {
        const size_t c = rem % static_cast<size_t>(dims[k]);
        rem /= static_cast<size_t>(dims[k]);
        if (ea[k] != 1) oa += c * sa;
        if (eb[k] != 1) ob += c * sb;
        sa *= static_cast<size_t>(ea[k]);
        sb *= static_cast<size_t>(eb[k]);
      }
      ia[i] = oa;
      ib[i] = ob;
    }
    const char op = n_.op[0];
    if (is_integer(a->dtype)) {
      const std::vector<int64_t> va = constant_ints(*a), vb = constant_ints(*b);
      std::vector<int64_t> r(count);
      for (size_t i = 0; i < count; ++i) {
        const int64_t x = va[ia[i]], y = vb[ib[i]];
        if (op == 'D' && y == 0) return error("integer division by zero");
        // Wrapping arithmetic, as the integer types of the runtimes do.
        const uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
        r[i] = op == 'A'   ? static_cast<int64_t>(ux + uy)
               : op == 'S' ? static_cast<int64_t>(ux - uy)
               : op == 'M' ? static_cast<int64_t>(ux * uy)
                           : (x == INT64_MIN && y == -1 ? x : x / y);
      }
      out->push_back(make_ints(a->dtype, dims, r));
    } else {
      const std::vector<float> va = constant_floats(*a), vb = constant_floats(*b);
      std::vector<float> r(count);
      for (size_t i = 0; i < count; ++i) {
        const float x = va[ia[i]], y = vb[ib[i]];
        r[i] = op == 'A' ? x + y : op == 'S' ? x - y : op == 'M' ? x * y : x / y;
      }
      out->push_back(make_floats(dims, r));
    }
    return Status::ok();
  }

  Status constant_of_shape(std::vector<TensorDesc>* out) {
    const TensorDesc* s = input(0);
    if (!s) return error("ConstantOfShape needs a shape input");
    const std::vector<int64_t> dims = constant_ints(*s);
    size_t count = 1;
    for (int64_t d : dims) {
      if (d < 0) return error("ConstantOfShape: negative dimension " + std::to_string(d));
      if (d != 0 && count > kMaxFoldElements / static_cast<size_t>(d)) {
        return error("ConstantOfShape: more than " + std::to_string(kMaxFoldElements) +
                     " elements");
      }
      count *= static_cast<size_t>(d);
    }
    TensorDesc t;
    t.constant = true;
    t.has_shape = true;
    t.dims = dims;
    t.dtype = DType::kFloat32;
    std::vector<uint8_t> value(4, 0);
    if (const Attr* a = n_.attr("value")) {
      if (a->kind != AttrKind::kTensor) return error("ConstantOfShape 'value' must be a tensor");
      const TensorDesc& v = g_.tensors[static_cast<size_t>(a->tensor)];
      if (element_count(v) != 1) return error("ConstantOfShape 'value' must have one element");
      t.dtype = v.dtype;
      value = v.data;
    }
    t.data.resize(count * value.size());
    for (size_t k = 0; k < count; ++k) {
      std::memcpy(t.data.data() + k * value.size(), value.data(), value.size());
    }
    out->push_back(std::move(t));
    return Status::ok();
  }

  Status slice(const TensorDesc& x, std::vector<TensorDesc>* out) {
    std::vector<int64_t> starts, ends, axes, steps;
    if (g_.opset < 10) {
      const Attr* s = n_.attr("starts");
      const Attr* e = n_.attr("ends");
      if (!s || !e) return error("Slice needs 'starts' and 'ends'");
      starts = s->ints;
      ends = e->ints;
      if (const Attr* a = n_.attr("axes")) axes = a->ints;
    } else {
      if (!input(1) || !input(2)) return error("Slice needs starts and ends inputs");
      starts = constant_ints(*input(1));
      ends = constant_ints(*input(2));
      if (input(3)) axes = constant_ints(*input(3));
      if (input(4)) steps = constant_ints(*input(4));
    }
    const size_t rank = x.dims.size();
    if (axes.empty()) {
      for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size()) {
      return error("Slice: starts, ends, axes and steps must have the same length");
    }
    std::vector<int64_t> begin(rank, 0), step(rank, 1), dims = x.dims;
    for (size_t k = 0; k < starts.size(); ++k) {
      size_t ax;
      WI8_RETURN_IF_ERROR(normalize_axis(axes[k], rank, &ax));
      const int64_t d = x.dims[ax], st = steps[k];
      if (st == 0) return error("Slice: step 0");
      auto clampi = [](int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; };
      int64_t s = starts[k] < 0 ? starts[k] + d : starts[k];
      int64_t e = ends[k] < 0 ? (ends[k] < -d ? -1 : ends[k] + d) : ends[k];
      if (st > 0) {
        s = clampi(s, 0, d);
        e = clampi(e, 0, d);
        dims[ax] = e > s ? (e - s + st - 1) / st : 0;
      } else {
        s = clampi(s, 0, d - 1);
        e = clampi(e, -1, d - 1);
        dims[ax] = s > e ? (s - e - st - 1) / -st : 0;
      }
      begin[ax] = s;
      step[ax] = st;
    }
    const size_t count = product(dims);
    std::vector<size_t> index(count);
    for (size_t i = 0; i < count; ++i) {
      size_t rem = i, src = 0, stride = 1;
      for (size_t k = rank; k-- > 0;) {
        const int64_t c = static_cast<int64_t>(rem % static_cast<size_t>(dims[k]));
        rem /= static_cast<size_t>(dims[k]);
        src += static_cast<size_t>(begin[k] + c * step[k]) * stride;
        stride *= static_cast<size_t>(x.dims[k]);
      }
      index[i] = src;
    }
    out->push_back(gather_elements(x, dims, index));
    return Status::ok();
  }

  Status transpose(const TensorDesc& x, std::vector<TensorDesc>* out) {
    const size_t rank = x.dims.size();
    std::vector<int64_t> perm;
    if (const Attr* a = n_.attr("perm")) perm = a->ints;
    if (perm.empty()) {
      for (size_t k = rank; k-- > 0;) perm.push_back(static_cast<int64_t>(k));
    }
    std::vector<bool> seen(rank, false);
    if (perm.size() != rank) return error("Transpose: perm must have one entry per axis");
    for (int64_t p : perm) {
      if (p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)]) {
        return error("Transpose: perm is not a permutation");
      }
      seen[static_cast<size_t>(p)] = true;
    }
    std::vector<int64_t> dims(rank);
    std::vector<size_t> in_stride(rank, 1);
    for (size_t k = rank; k-- > 1;)
      in_stride[k - 1] = in_stride[k] * static_cast<size_t>(x.dims[k]);
    for (size_t k = 0; k < rank; ++k) dims[k] = x.dims[static_cast<size_t>(perm[k])];
    const size_t count = product(dims);
    std::vector<size_t> index(count);
    for (size_t i = 0; i < count; ++i) {
      size_t rem = i, src = 0;
      for (size_t k = rank; k-- > 0;) {
        const size_t c = rem % static_cast<size_t>(dims[k]);
        rem /= static_cast<size_t>(dims[k]);
        src += c * in_stride[static_cast<size_t>(perm[k])];
      }
      index[i] = src;
    }
    out->push_back(gather_elements(x, dims, index));
    return Status::ok();
  }

  Status dequantize(const TensorDesc& x, std::vector<TensorDesc>* out) {
    const TensorDesc* s = input(1);
    const TensorDesc* z = input(2);
    if (!s) return error("DequantizeLinear needs x_scale");
    const std::vector<float> scale = constant_floats(*s);
    const std::vector<int64_t> zp = z ? constant_ints(*z) : std::vector<int64_t>(scale.size(), 0);
    if (scale.empty() || zp.size() != scale.size()) {
      return error("DequantizeLinear: x_scale and x_zero_point must have the same length");
    }
    const std::vector<int64_t> q = constant_ints(x);
    size_t axis = 0, inner = 1;
    if (scale.size() > 1) {
      WI8_RETURN_IF_ERROR(normalize_axis(int_attr("axis", 1), x.dims.size(), &axis));
      if (static_cast<size_t>(x.dims[axis]) != scale.size()) {
        return error("DequantizeLinear: " + std::to_string(scale.size()) +
                     " scales for an axis of " + std::to_string(x.dims[axis]));
      }
      inner = product(x.dims, axis + 1);
    }
    std::vector<float> r(q.size());
    for (size_t i = 0; i < q.size(); ++i) {
      const size_t c = scale.size() > 1 ? (i / inner) % scale.size() : 0;
      r[i] = static_cast<float>(q[i] - zp[c]) * scale[c];
    }
    out->push_back(make_floats(x.dims, r));
    return Status::ok();
  }

  const Graph& g_;
  const GraphNode& n_;
  const std::vector<const TensorDesc*>& in_;
};

}  // namespace

Status node_error(const GraphNode& n, const std::string& what) {
  return Status::error("ONNX: " + n.where() + ": " + what);
}

Status normalize_axis(const GraphNode& n, int64_t axis, size_t rank, size_t* out) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) {
    return node_error(
        n, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  *out = static_cast<size_t>(axis < 0 ? axis + r : axis);
  return Status::ok();
}

Status reshape_dims(const GraphNode& n, const std::vector<int64_t>& in, bool allowzero,
                    std::vector<int64_t>* shape) {
  const size_t count = product(in);
  int infer = -1;
  uint64_t known = 1;
  for (size_t k = 0; k < shape->size(); ++k) {
    int64_t& d = (*shape)[k];
    if (d == 0 && !allowzero) {
      if (k >= in.size()) {
        return node_error(n, "Reshape: 0 in the shape at axis " + std::to_string(k) +
                                 " has no input dimension to copy");
      }
      d = in[k];
    }
    if (d == -1) {
      if (infer >= 0) return node_error(n, "Reshape: the shape has more than one -1");
      infer = static_cast<int>(k);
      continue;
    }
    if (d < 0) return node_error(n, "Reshape: dimension " + std::to_string(d) + " is negative");
    if (d != 0 && known > (uint64_t{1} << 40) / static_cast<uint64_t>(d)) {
      return node_error(n, "Reshape: the target shape is too large");
    }
    known *= static_cast<uint64_t>(d);
  }
  if (infer >= 0) {
    if (known == 0 || count % known != 0) {
      return node_error(n, "Reshape: cannot infer the -1 dimension (" + std::to_string(count) +
                               " elements into " + std::to_string(known) + ")");
    }
    (*shape)[static_cast<size_t>(infer)] = static_cast<int64_t>(count / known);  // count < 2^32
  } else if (known != count) {
    return node_error(n, "Reshape: " + std::to_string(count) + " elements cannot take a shape of " +
                             std::to_string(known));
  }
  return Status::ok();
}

Status squeeze_dims(const GraphNode& n, const std::vector<int64_t>& in,
                    const std::vector<int64_t>& axes, bool unsqueeze, std::vector<int64_t>* out) {
  std::vector<int64_t> dims;
  if (unsqueeze) {
    const size_t rank = in.size() + axes.size();
    std::vector<bool> ins(rank, false);
    for (int64_t a : axes) {
      size_t ax;
      WI8_RETURN_IF_ERROR(normalize_axis(n, a, rank, &ax));
      if (ins[ax]) return node_error(n, "Unsqueeze axis " + std::to_string(a) + " is repeated");
      ins[ax] = true;
    }
    size_t src = 0;
    for (size_t k = 0; k < rank; ++k) dims.push_back(ins[k] ? 1 : in[src++]);
  } else {
    std::vector<bool> drop(in.size(), false);
    for (int64_t a : axes) {
      size_t ax;
      WI8_RETURN_IF_ERROR(normalize_axis(n, a, in.size(), &ax));
      if (in[ax] != 1) {
        return node_error(n, "Squeeze axis " + std::to_string(a) + " has size " +
                                 std::to_string(in[ax]) + ", not 1");
      }
      drop[ax] = true;
    }
    for (size_t k = 0; k < in.size(); ++k) {
      if (axes.empty() ? in[k] != 1 : !drop[k]) dims.push_back(in[k]);
    }
  }
  *out = std::move(dims);
  return Status::ok();
}

Status flatten_dims(const GraphNode& n, const std::vector<int64_t>& in, std::vector<int64_t>* out) {
  const Attr* a = n.attr("axis");
  const int64_t axis_attr = a ? a->i : 1;
  size_t axis = in.size();
  if (axis_attr != static_cast<int64_t>(in.size())) {
    WI8_RETURN_IF_ERROR(normalize_axis(n, axis_attr, in.size(), &axis));
  }
  *out = {static_cast<int64_t>(product(in, 0, axis)), static_cast<int64_t>(product(in, axis))};
  return Status::ok();
}

bool foldable_op(const std::string& op) {
  static const char* const ops[] = {"Identity",
                                    "Dropout",
                                    "Cast",
                                    "Gather",
                                    "Unsqueeze",
                                    "Squeeze",
                                    "Concat",
                                    "Reshape",
                                    "Flatten",
                                    "Add",
                                    "Sub",
                                    "Mul",
                                    "Div",
                                    "ConstantOfShape",
                                    "Slice",
                                    "Transpose",
                                    "DequantizeLinear",
                                    "Shape"};
  for (const char* o : ops) {
    if (op == o) return true;
  }
  return false;
}

Status fold_constant_node(const Graph& g, const GraphNode& n,
                          const std::vector<const TensorDesc*>& in, std::vector<TensorDesc>* out,
                          bool* done) {
  size_t total = 0;
  for (const TensorDesc* t : in) total += t ? element_count(*t) : 0;
  if (total > kMaxFoldElements) {
    *done = false;  // left to the runtime ops
    return Status::ok();
  }
  return Folder(g, n, in).run(out, done);
}

}  // namespace wi8
