#include "vigil/framework/text/query.hpp"

#include "vigil/framework/text/ascii.hpp"

namespace vigil::framework {

Target split_target(std::string_view target) {
  const auto hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::string_view to_string(QueryStatus s) {
  switch (s) {
    case QueryStatus::Ok: return "ok";
    case QueryStatus::TooManyParams: return "too many query parameters";
    case QueryStatus::BadEscape: return "malformed percent escape";
    case QueryStatus::StorageTooSmall: return "decode storage too small";
  }
  return "unknown";
}

std::optional<std::size_t> percent_decode(std::string_view in, char* out) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out[n++] = ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out[n++] = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out[n++] = c;
    }
  }
  return n;
}

QueryStatus parse_query(std::string_view query, std::span<char> storage, QueryParams& out) {
  out.clear();
  if (storage.size() < query.size()) return QueryStatus::StorageTooSmall;
  char* cursor = storage.data();
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    const auto eq = piece.find('=');
    const auto raw_name = piece.substr(0, eq);
    const auto raw_value = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
    const auto name_len = percent_decode(raw_name, cursor);
    if (!name_len) return QueryStatus::BadEscape;
    const std::string_view name{cursor, *name_len};
    cursor += *name_len;
    const auto value_len = percent_decode(raw_value, cursor);
    if (!value_len) return QueryStatus::BadEscape;
    const std::string_view value{cursor, *value_len};
    cursor += *value_len;
    if (out.full()) return QueryStatus::TooManyParams;
    out.push(name, value);
  }
  return QueryStatus::Ok;
}

}  // namespace vigil::framework
