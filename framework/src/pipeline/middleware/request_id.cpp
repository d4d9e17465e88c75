#include "vigil/framework/pipeline/middleware/request_id.hpp"

#include <algorithm>
#include <charconv>
#include <random>
#include <string>

#include <fmt/format.h>

namespace vigil::framework {

namespace {

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > Event::kMaxRequestIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '_' || c == '.';
  });
}

}  // namespace

RequestIdMiddleware::RequestIdMiddleware(Formatting formatting)
    : fresh_strings_(formatting == Formatting::FreshHeapStrings) {
  std::random_device rd;
  const std::uint32_t r = rd();
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < prefix_.size(); ++i) prefix_[i] = kHex[(r >> (4 * i)) & 0xf];
}

void RequestIdMiddleware::handle(Event& e, const Next& next) {
  if (const auto given = e.headers.find("X-Request-Id"); given && acceptable_request_id(*given)) {
    e.set_request_id(*given);
  } else {
    const std::uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    const std::string_view prefix(prefix_.data(), prefix_.size());
    if (fresh_strings_) {
      // The bug: the id formatted into a fresh heap string.
      const std::string id = fmt::format("{}-{:016x}", prefix, n);
      e.set_request_id(id);
    } else {
      char buffer[Event::kMaxRequestIdLength];
      char* out = std::copy(prefix.begin(), prefix.end(), buffer);
      *out++ = '-';
      char digits[16];
      const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n, 16);
      (void)ec;  // 16 hex digits always fit a 64-bit value
      const auto len = static_cast<std::size_t>(end - digits);
      out = std::fill_n(out, sizeof digits - len, '0');
      out = std::copy(digits, end, out);
      e.set_request_id({buffer, static_cast<std::size_t>(out - buffer)});
    }
  }
  e.response.headers.add("X-Request-Id", e.request_id());
  next(e);
}

}  // namespace vigil::framework
