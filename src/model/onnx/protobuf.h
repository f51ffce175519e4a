// A small, bounds-checked protobuf wire-format reader: just what the ONNX reader needs.
//
// No protobuf runtime builds for wasm here, so this one is ours. It never reads outside
// [data, data + size): every length and offset is checked, and every error names the byte offset
// (from the start of the whole model) and what was being read. It allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/status.h"

namespace wi8::pb {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

// A view of bytes inside the model (a sub-message, a string, packed values).
struct Bytes {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t offset = 0;  // of data[0], from the start of the model (for error messages)
  std::string str() const { return std::string(reinterpret_cast<const char*>(data), size); }
};

class Reader {
 public:
  explicit Reader(Bytes b) : b_(b) {}
  Reader(const uint8_t* data, size_t size) : b_{data, size, 0} {}

  bool done() const { return pos_ >= b_.size; }
  size_t offset() const { return b_.offset + pos_; }  // absolute, for messages

  // Reads the next field's key. Unknown wire types (3, 4: groups; 6, 7) are errors.
  Status key(uint32_t* field, WireType* type);
  Status varint(uint64_t* v);
  Status fixed32(uint32_t* v);
  Status fixed64(uint64_t* v);
  Status bytes(Bytes* out);  // length-delimited
  // Skips the value of a field of `type` (fields we do not use).
  Status skip(WireType type);

  // Values with a checked wire type; `what` names the field in errors.
  Status int64(WireType type, const char* what, int64_t* v);
  Status float32(WireType type, const char* what, float* v);
  Status message(WireType type, const char* what, Bytes* out);
  Status string(WireType type, const char* what, std::string* out);

  Status error(const std::string& what) const;

 private:
  Bytes b_;
  size_t pos_ = 0;
};

// Calls fn(int64) for each value of a repeated varint field, packed (one length-delimited run) or
// not (one value per occurrence): protobuf allows both.
template <class Fn>
Status repeated_int64(Reader& r, WireType type, const char* what, Fn fn) {
  if (type == WireType::kBytes) {
    Bytes b;
    WI8_RETURN_IF_ERROR(r.bytes(&b));
    Reader packed(b);
    while (!packed.done()) {
      uint64_t v;
      WI8_RETURN_IF_ERROR(packed.varint(&v));
      WI8_RETURN_IF_ERROR(fn(static_cast<int64_t>(v)));
    }
    return Status::ok();
  }
  int64_t v;
  WI8_RETURN_IF_ERROR(r.int64(type, what, &v));
  return fn(v);
}

// The same for repeated float (fixed32) fields.
template <class Fn>
Status repeated_float(Reader& r, WireType type, const char* what, Fn fn) {
  if (type == WireType::kBytes) {
    Bytes b;
    WI8_RETURN_IF_ERROR(r.bytes(&b));
    if (b.size % 4 != 0) {
      return r.error(std::string(what) + ": packed floats of " + std::to_string(b.size) +
                     " bytes (not a multiple of 4)");
    }
    Reader packed(b);
    while (!packed.done()) {
      uint32_t bits;
      WI8_RETURN_IF_ERROR(packed.fixed32(&bits));
      float f;
      static_assert(sizeof f == sizeof bits, "float is 32-bit");
      std::memcpy(&f, &bits, sizeof f);
      WI8_RETURN_IF_ERROR(fn(f));
    }
    return Status::ok();
  }
  float f;
  WI8_RETURN_IF_ERROR(r.float32(type, what, &f));
  return fn(f);
}

}  // namespace wi8::pb
