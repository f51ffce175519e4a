// Helpers shared by the binding files: typed arrays in and out of the wasm heap, error strings.
#pragma once

#include <emscripten/val.h>

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

}  // namespace wi8::js
