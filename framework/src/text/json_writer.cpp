#include "vigil/framework/text/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace vigil::framework {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of characters needing no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(escaped, sizeof escaped);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void JsonWriter::before_value() {
  if (depth_ == 0) {
    if (wrote_root_) throw std::logic_error("JsonWriter: a second root value");
    wrote_root_ = true;
    return;
  }
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (in_object_[depth_ - 1]) throw std::logic_error("JsonWriter: object value without key");
  if (!first_[depth_ - 1]) out_.push_back(',');
  first_[depth_ - 1] = false;
}

void JsonWriter::push(char open) {
  before_value();
  if (depth_ == kMaxDepth) throw std::length_error("JsonWriter: nesting deeper than 64");
  out_.push_back(open);
  first_[depth_++] = true;
}

void JsonWriter::pop(char close) {
  if (depth_ == 0 || after_key_) throw std::logic_error("JsonWriter: unbalanced close");
  --depth_;
  out_.push_back(close);
}

JsonWriter& JsonWriter::begin_object() {
  push('{');
  in_object_[depth_ - 1] = true;
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  if (depth_ == 0 || !in_object_[depth_ - 1]) throw std::logic_error("JsonWriter: end_object outside an object");
  pop('}');
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  push('[');
  in_object_[depth_ - 1] = false;
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  if (depth_ == 0 || in_object_[depth_ - 1]) throw std::logic_error("JsonWriter: end_array outside an array");
  pop(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  if (depth_ == 0 || !in_object_[depth_ - 1] || after_key_) throw std::logic_error("JsonWriter: key outside an object");
  if (!first_[depth_ - 1]) out_.push_back(',');
  first_[depth_ - 1] = false;
  append_json_string(out_, k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  before_value();
  out_.append(b ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t n) {
  before_value();
  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, n);
  (void)ec;  // 24 bytes hold any 64-bit integer
  out_.append(buffer, end);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t n) {
  before_value();
  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, n);
  (void)ec;
  out_.append(buffer, end);
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  before_value();
  if (!std::isfinite(d)) {
    out_.append("null");
    return *this;
  }
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);  // shortest round-trip form
  (void)ec;
  out_.append(buffer, end);
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_.append("null");
  return *this;
}

}  // namespace vigil::framework
