#pragma once
// An ordered list of name/value pairs (headers, params, query fields) whose
// text lives in one owned buffer, so a request adds fields without a heap
// allocation once the buffer has grown to its working size.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/framework/text/ascii.hpp"

namespace vigil::framework {

class FieldList {
 public:
  using Field = std::pair<std::string_view, std::string_view>;

  // Capacity kept across clear(); beyond these, clear() gives memory back so
  // one huge request does not pin its buffers for the life of the object.
  static constexpr std::size_t kMaxRetainedBytes = 16 * 1024;
  static constexpr std::size_t kMaxRetainedFields = 64;

  void add(std::string_view name, std::string_view value);
  // Replaces the first field named `name` (ASCII case-insensitive), or adds it.
  void set(std::string_view name, std::string_view value);
  // First value named `name`, ASCII case-insensitive.
  std::optional<std::string_view> find(std::string_view name) const;

  std::size_t size() const { return spans_.size(); }
  bool empty() const { return spans_.empty(); }
  Field operator[](std::size_t i) const;

  // Inline: called for every field list of every event reset.
  void clear() {
    if (text_.capacity() > kMaxRetainedBytes || spans_.capacity() > kMaxRetainedFields) {
      release_storage();
    } else {
      text_.clear();
      spans_.clear();
    }
  }
  std::size_t bytes_reserved() const { return text_.capacity() + spans_.capacity() * sizeof(Span); }

  class Iterator {
   public:
    Iterator(const FieldList* list, std::size_t i) : list_(list), i_(i) {}
    Field operator*() const { return (*list_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }

   private:
    const FieldList* list_;
    std::size_t i_;
  };
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, spans_.size()}; }

 private:
  void release_storage();

  struct Span {
    std::uint32_t name_at, name_len, value_at, value_len;
  };
  std::string text_;
  std::vector<Span> spans_;
};

}  // namespace vigil::framework
