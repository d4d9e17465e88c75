#pragma once
// Request-target splitting and query-string parsing (`a=1&b=x%20y`).
// Names and values are percent-decoded ('+' is a space) into storage the
// caller provides; decoding never grows a string, so storage of the query's
// length always suffices. Nothing is allocated.

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace vigil::framework {

struct Target {
  std::string_view path;
  std::string_view query;  // without '?'; empty when there is none
};
// Splits "/a/b?x=1#frag" into "/a/b" and "x=1"; a fragment is dropped.
Target split_target(std::string_view target);

struct QueryParam {
  std::string_view name;
  std::string_view value;
};

class QueryParams {
 public:
  static constexpr std::size_t kCapacity = 32;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const QueryParam& operator[](std::size_t i) const { return items_[i]; }
  const QueryParam* begin() const { return items_.data(); }
  const QueryParam* end() const { return items_.data() + size_; }
  // The first value of `name`.
  std::optional<std::string_view> get(std::string_view name) const;

  void clear() { size_ = 0; }
  bool push(std::string_view name, std::string_view value);  // false when full

 private:
  std::array<QueryParam, kCapacity> items_{};
  std::size_t size_ = 0;
};

enum class QueryStatus { Ok, TooManyParams, BadEscape, StorageTooSmall };
std::string_view to_string(QueryStatus s);

// Parses `query` into `out` (cleared first). Empty pieces ("a=1&&b=2") are
// skipped; a piece without '=' has an empty value. Views in `out` point into
// `storage`, which must hold at least query.size() bytes.
QueryStatus parse_query(std::string_view query, std::span<char> storage, QueryParams& out);

// Percent-decodes `in` into `out` ('+' -> ' '); returns the decoded length, or
// nullopt on a malformed escape. `out` must hold in.size() bytes.
std::optional<std::size_t> percent_decode(std::string_view in, char* out);

}  // namespace vigil::framework
