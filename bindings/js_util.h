// Helpers shared by the binding files: typed arrays in and out of the wasm heap, error strings.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
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

}  // namespace wi8::js
