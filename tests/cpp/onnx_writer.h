// Test helper: a minimal protobuf writer for building ONNX models byte by byte.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace wi8::onnx::test {

// The reader's counterpart: key(), varint(), i() (varint field), f() (float), bytes(), s()
// (string), msg() (sub-message), packed() (packed varints).
class Writer {
 public:
  Writer& varint(uint64_t v) {
    while (v >= 0x80) {
      b_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    b_.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  Writer& key(uint32_t field, int type) { return varint(uint64_t{field} << 3 | type); }
  Writer& i(uint32_t field, int64_t v) { return key(field, 0).varint(static_cast<uint64_t>(v)); }
  Writer& f(uint32_t field, float v) {
    key(field, 5);
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int k = 0; k < 4; ++k) b_.push_back(static_cast<uint8_t>(bits >> (8 * k)));
    return *this;
  }
  Writer& bytes(uint32_t field, const std::vector<uint8_t>& d) {
    key(field, 2).varint(d.size());
    b_.insert(b_.end(), d.begin(), d.end());
    return *this;
  }
  Writer& s(uint32_t field, const std::string& str) {
    return bytes(field, std::vector<uint8_t>(str.begin(), str.end()));
  }
  Writer& msg(uint32_t field, const Writer& w) { return bytes(field, w.b_); }
  Writer& packed(uint32_t field, const std::vector<int64_t>& vs) {
    Writer p;
    for (int64_t v : vs) p.varint(static_cast<uint64_t>(v));
    return bytes(field, p.b_);
  }
  const std::vector<uint8_t>& data() const { return b_; }

 private:
  std::vector<uint8_t> b_;
};

}  // namespace wi8::onnx::test
