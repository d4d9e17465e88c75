#pragma once
// Request-target splitting and query-string parsing (`a=1&b=x%20y`).
// Names and values are percent-decoded ('+' is a space) into storage the
// caller provides; decoding never grows a string, so storage of the query's
// length always suffices. Nothing is allocated.

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "vigil/framework/text/field.hpp"

namespace vigil::framework {

struct Target {
  std::string_view path;
  std::string_view query;  // without '?'; empty when there is none
};
// Splits "/a/b?x=1#frag" into "/a/b" and "x=1"; a fragment is dropped.
Target split_target(std::string_view target);

using QueryParam = Field;
using QueryParams = FieldViews;

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
