#pragma once
// A named set of choices (defects, scenarios, access patterns): each entry
// has a `value` and a stable CLI `name`; lookups both ways and the list of
// names for help texts and error messages.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vigil::harness {

template <class Entry>
class Catalog {
 public:
  using Value = decltype(Entry::value);

  constexpr explicit Catalog(std::span<const Entry> entries) : entries_(entries) {}

  std::span<const Entry> entries() const { return entries_; }

  std::string_view name(Value value) const {
    for (const Entry& e : entries_) {
      if (e.value == value) return e.name;
    }
    return "unknown";
  }

  // Exact, case-sensitive.
  std::optional<Value> parse(std::string_view name) const {
    for (const Entry& e : entries_) {
      if (e.name == name) return e.value;
    }
    return std::nullopt;
  }

  // "a, b, c", in catalog order.
  std::string names() const {
    std::string out;
    for (const Entry& e : entries_) {
      if (!out.empty()) out += ", ";
      out += e.name;
    }
    return out;
  }

 private:
  std::span<const Entry> entries_;
};

}  // namespace vigil::harness
