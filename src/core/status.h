// Status: the one error type of the C++ core.
//
// The core never throws and never aborts on user input: every fallible call returns a Status whose
// message names what was wrong and where (op, field, value). The bindings turn a failed Status into
// a JavaScript Error. A Status is cheap when ok (an empty string).
#pragma once

#include <string>
#include <utility>

namespace wi8 {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.message_ = message.empty() ? std::string("unknown error") : std::move(message);
    return s;
  }
  bool is_ok() const { return message_.empty(); }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// Propagates a failed Status to the caller.
#define WI8_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    ::wi8::Status wi8_status_ = (expr);           \
    if (!wi8_status_.is_ok()) return wi8_status_; \
  } while (0)

}  // namespace wi8
