// Helpers shared by the binding files: typed arrays in and out of the wasm heap, error strings.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace wi8::js {

using emscripten::val;

inline size_t js_length(const val& array) { return array["length"].as<size_t>(); }

template <class T>
inline void copy_from_js(const val& src, std::vector<T>* dst) {
  dst->resize(js_length(src));
  // No allocation happens between taking the view and using it, so the heap cannot move under it.
  val(emscripten::typed_memory_view(dst->size(), dst->data())).template call<void>("set", src);
}

template <class T>
inline void copy_to_js(const T* src, size_t n, const val& dst) {
  dst.call<void>("set", val(emscripten::typed_memory_view(n, src)));
}

inline std::string length_error(const char* fn, const char* what, size_t got, size_t expected) {
  return std::string(fn) + ": " + what + " has " + std::to_string(got) + " values, expected " +
         std::to_string(expected);
}

// An op's input and output buffers in the wasm heap. JavaScript writes the input and reads the
// output through the module's HEAP views at inputPtr() / outputPtr() (web/index.js): per call one
// copy each way, no val handles and no zero-filled output array. Resizing may grow the heap, so JS
// takes the HEAP view after the call that sizes the buffers.
template <class T>
class HeapIO {
 public:
  void resize(size_t in, size_t out) {
    x_.resize(in);
    y_.resize(out);
  }
  uintptr_t input_ptr() const { return reinterpret_cast<uintptr_t>(x_.data()); }
  uintptr_t output_ptr() const { return reinterpret_cast<uintptr_t>(y_.data()); }
  T* x() { return x_.data(); }
  T* y() { return y_.data(); }
  size_t x_size() const { return x_.size(); }
  size_t y_size() const { return y_.size(); }

 private:
  std::vector<T> x_, y_;
};

// The run side of the FullyConnected bindings (int8 and fp32): size the heap buffers for `batch`
// rows (JS then writes the input at inputPtr()), then run the op on them.
template <class Op, class T>
std::string prepare_rows(const char* name, const std::unique_ptr<Op>& op, int batch,
                         HeapIO<T>* io) {
  if (!op) return std::string(name) + ": not initialized";
  if (batch < 1) return std::string(name) + ": batch must be >= 1, got " + std::to_string(batch);
  const size_t b = static_cast<size_t>(batch);
  io->resize(b * op->params().in_features, b * op->params().out_features);
  return "";
}

template <class Op, class T>
std::string execute_rows(const char* name, const std::unique_ptr<Op>& op, int batch,
                         HeapIO<T>* io) {
  if (!op) return std::string(name) + ": not initialized";
  return op->run(io->x(), io->x_size(), static_cast<size_t>(batch), io->y(), io->y_size())
      .message();
}

// The run side of the Conv2D bindings (int8 and fp32): the buffers were sized at init.
template <class Op, class T>
std::string execute_conv(const char* name, const std::unique_ptr<Op>& op, HeapIO<T>* io,
                         std::vector<T>* workspace) {
  if (!op) return std::string(name) + ": not initialized";
  return op->run(io->x(), io->x_size(), io->y(), io->y_size(), workspace->data(), workspace->size())
      .message();
}

}  // namespace wi8::js
