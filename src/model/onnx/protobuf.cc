#include "model/onnx/protobuf.h"

#include <cstring>

namespace wi8::pb {

namespace {
const char* type_name(WireType t) {
  switch (t) {
    case WireType::kVarint:
      return "varint";
    case WireType::kFixed64:
      return "64-bit";
    case WireType::kBytes:
      return "length-delimited";
    case WireType::kFixed32:
      return "32-bit";
  }
  return "?";
}
}  // namespace

Status Reader::error(const std::string& what) const {
  return Status::error("ONNX: byte offset " + std::to_string(offset()) + ": " + what);
}

Status Reader::varint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= b_.size) return error("truncated varint");
    const uint8_t byte = b_.data[pos_++];
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = result;
      return Status::ok();
    }
  }
  return error("varint longer than 10 bytes");
}

Status Reader::key(uint32_t* field, WireType* type) {
  uint64_t k;
  WI8_RETURN_IF_ERROR(varint(&k));
  const uint64_t f = k >> 3;
  const uint32_t t = static_cast<uint32_t>(k & 7);
  if (f == 0 || f > 0x1fffffff) return error("invalid field number " + std::to_string(f));
  if (t != 0 && t != 1 && t != 2 && t != 5) {
    return error("unsupported wire type " + std::to_string(t) + " for field " + std::to_string(f));
  }
  *field = static_cast<uint32_t>(f);
  *type = static_cast<WireType>(t);
  return Status::ok();
}

Status Reader::fixed32(uint32_t* v) {
  if (pos_ > b_.size || b_.size - pos_ < 4) return error("truncated 32-bit value");
  uint32_t x = 0;
  for (int i = 3; i >= 0; --i) x = (x << 8) | b_.data[pos_ + static_cast<size_t>(i)];
  pos_ += 4;
  *v = x;
  return Status::ok();
}

Status Reader::fixed64(uint64_t* v) {
  if (pos_ > b_.size || b_.size - pos_ < 8) return error("truncated 64-bit value");
  uint64_t x = 0;
  for (int i = 7; i >= 0; --i) x = (x << 8) | b_.data[pos_ + static_cast<size_t>(i)];
  pos_ += 8;
  *v = x;
  return Status::ok();
}

Status Reader::bytes(Bytes* out) {
  uint64_t len;
  WI8_RETURN_IF_ERROR(varint(&len));
  if (len > b_.size - pos_) {
    return error("length " + std::to_string(len) + " runs past the end of its message (" +
                 std::to_string(b_.size - pos_) + " bytes left)");
  }
  out->data = b_.data + pos_;
  out->size = static_cast<size_t>(len);
  out->offset = offset();
  pos_ += static_cast<size_t>(len);
  return Status::ok();
}

Status Reader::skip(WireType type) {
  uint64_t u;
  uint32_t u32;
  Bytes b;
  switch (type) {
    case WireType::kVarint:
      return varint(&u);
    case WireType::kFixed64:
      return fixed64(&u);
    case WireType::kFixed32:
      return fixed32(&u32);
    case WireType::kBytes:
      return bytes(&b);
  }
  return error("unsupported wire type");
}

Status Reader::int64(WireType type, const char* what, int64_t* v) {
  if (type != WireType::kVarint) {
    return error(std::string(what) + ": expected a varint, got a " + type_name(type) + " value");
  }
  uint64_t u;
  WI8_RETURN_IF_ERROR(varint(&u));
  *v = static_cast<int64_t>(u);
  return Status::ok();
}

Status Reader::float32(WireType type, const char* what, float* v) {
  if (type != WireType::kFixed32) {
    return error(std::string(what) + ": expected a 32-bit float, got a " + type_name(type) +
                 " value");
  }
  uint32_t bits;
  WI8_RETURN_IF_ERROR(fixed32(&bits));
  std::memcpy(v, &bits, sizeof *v);
  return Status::ok();
}

Status Reader::message(WireType type, const char* what, Bytes* out) {
  if (type != WireType::kBytes) {
    return error(std::string(what) + ": expected a message, got a " + type_name(type) + " value");
  }
  return bytes(out);
}

Status Reader::string(WireType type, const char* what, std::string* out) {
  Bytes b;
  WI8_RETURN_IF_ERROR(message(type, what, &b));
  *out = b.str();
  return Status::ok();
}

}  // namespace wi8::pb
