#pragma once
// Route parameters of one match: a fixed-capacity list of name/value views,
// filled by Router::match and RouteCache::lookup without touching the heap.
// Names view the route's pattern; values view the matched path (see the
// owner's documentation for how long they stay valid).

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace vigil::framework {

struct Param {
  std::string_view name;
  std::string_view value;
};

class Params {
 public:
  static constexpr std::size_t kCapacity = 32;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Param& operator[](std::size_t i) const { return items_[i]; }
  const Param* begin() const { return items_.data(); }
  const Param* end() const { return items_.data() + size_; }

  // The value of the first parameter called `name`.
  std::optional<std::string_view> get(std::string_view name) const {
    for (std::size_t i = 0; i < size_; ++i) {
      if (items_[i].name == name) return items_[i].value;
    }
    return std::nullopt;
  }

  void clear() { size_ = 0; }
  // Callers never exceed kCapacity: the router refuses patterns with more.
  void push(std::string_view name, std::string_view value) { items_[size_++] = {name, value}; }
  void pop() { --size_; }
  void set_name(std::size_t i, std::string_view name) { items_[i].name = name; }
  void truncate(std::size_t n) { size_ = n; }

 private:
  std::array<Param, kCapacity> items_{};
  std::size_t size_ = 0;
};

}  // namespace vigil::framework
