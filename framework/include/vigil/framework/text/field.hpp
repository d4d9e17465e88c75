#pragma once
// A name/value pair of views (a route parameter, a query field, a header as
// parsed), and a fixed-capacity list of them that never touches the heap.
// The views point into text someone else owns (the matched path, the decode
// storage, the connection's buffer): see the owner's documentation for how
// long they stay valid.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace vigil::framework {

struct Field {
  std::string_view name;
  std::string_view value;
};

class FieldViews {
 public:
  static constexpr std::size_t kCapacity = 32;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == kCapacity; }
  const Field& operator[](std::size_t i) const { return items_[i]; }
  const Field* begin() const { return items_.data(); }
  const Field* end() const { return items_.data() + size_; }

  // The value of the first field called `name` (case-sensitive).
  std::optional<std::string_view> get(std::string_view name) const {
    for (std::size_t i = 0; i < size_; ++i) {
      if (items_[i].name == name) return items_[i].value;
    }
    return std::nullopt;
  }

  void clear() { size_ = 0; }
  // The caller makes sure there is room (full() is false): the router
  // refuses patterns with more parameters, the query parser checks.
  void push(std::string_view name, std::string_view value) { items_[size_++] = {name, value}; }
  void pop() { --size_; }
  void truncate(std::size_t n) { size_ = n; }
  void set_name(std::size_t i, std::string_view name) { items_[i].name = name; }

 private:
  std::array<Field, kCapacity> items_{};
  std::size_t size_ = 0;
};

}  // namespace vigil::framework
