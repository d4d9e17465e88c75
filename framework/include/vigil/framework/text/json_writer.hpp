#pragma once
// Small, fast JSON rendering into a caller's std::string (appended; reuse the
// string and rendering allocates nothing once it has grown). Commas are
// placed automatically; strings are escaped per RFC 8259; non-finite doubles
// are written as null.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::framework {

class JsonWriter {
 public:
  static constexpr std::size_t kMaxDepth = 64;

  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(unsigned n) { return value(static_cast<std::uint64_t>(n)); }
  JsonWriter& value(double d);
  JsonWriter& null();

  // key(k).value(v)
  template <class T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  // True when every container opened has been closed and one value written.
  bool complete() const { return depth_ == 0 && wrote_root_; }

 private:
  void before_value();
  void push(char open);
  void pop(char close);

  std::string& out_;
  std::size_t depth_ = 0;
  bool wrote_root_ = false;
  bool after_key_ = false;
  bool first_[kMaxDepth] = {};      // no element written yet at this depth
  bool in_object_[kMaxDepth] = {};  // object (true) or array (false)
};

// Appends `s` as a JSON string literal (with quotes).
void append_json_string(std::string& out, std::string_view s);

}  // namespace vigil::framework
