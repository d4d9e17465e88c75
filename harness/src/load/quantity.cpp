#include "vigil/harness/load/quantity.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace vigil::harness::load {
namespace {

// The longest leading decimal number of `text` (from_chars: no locale, no
// leading '+', no whitespace), and what follows it.
bool split_number(std::string_view text, double& value, std::string_view& rest) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || !std::isfinite(value)) return false;
  rest = std::string_view(ptr, static_cast<std::size_t>(end - ptr));
  return true;
}

}  // namespace

Parsed<std::chrono::nanoseconds> parse_duration(std::string_view text, std::chrono::nanoseconds min,
                                                std::chrono::nanoseconds max) {
  double value = 0;
  std::string_view unit;
  const auto range = fmt::format("from {} to {}", format_duration(min), format_duration(max));
  if (!split_number(text, value, unit)) {
    return fmt::format("expected a duration such as 30s, 2m or 250ms ({}), got \"{}\"", range, text);
  }
  double ns_per_unit = 0;
  if (unit.empty() || unit == "s") ns_per_unit = 1e9;
  else if (unit == "ms") ns_per_unit = 1e6;
  else if (unit == "us") ns_per_unit = 1e3;
  else if (unit == "ns") ns_per_unit = 1;
  else if (unit == "m" || unit == "min") ns_per_unit = 60e9;
  else if (unit == "h") ns_per_unit = 3600e9;
  else return fmt::format("unknown unit \"{}\" in \"{}\" (ns, us, ms, s, m, h)", unit, text);
  const double ns = value * ns_per_unit;
  if (!(ns >= static_cast<double>(min.count()) && ns <= static_cast<double>(max.count()))) {
    return fmt::format("\"{}\" is out of range ({})", text, range);
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

Parsed<double> parse_share(std::string_view text, double max_share) {
  double value = 0;
  std::string_view rest;
  if (!split_number(text, value, rest) || !(rest.empty() || rest == "%")) {
    return fmt::format("expected a share such as 5% or 0.05, got \"{}\"", text);
  }
  if (rest == "%") value /= 100;
  if (!(value >= 0 && value <= max_share)) {
    return fmt::format("\"{}\" is out of range (0% to {}%)", text, max_share * 100);
  }
  return value;
}

Parsed<double> parse_number(std::string_view text, double min, double max) {
  double value = 0;
  std::string_view rest;
  if (!split_number(text, value, rest) || !rest.empty()) {
    return fmt::format("expected a number, got \"{}\"", text);
  }
  if (!(value >= min && value <= max)) return fmt::format("{} is out of range ({} to {})", text, min, max);
  return value;
}

std::string format_duration(std::chrono::nanoseconds d) {
  const double ns = static_cast<double>(d.count());
  if (ns < 1e3) return fmt::format("{:.0f} ns", ns);
  if (ns < 1e6) return fmt::format("{:.3g} us", ns / 1e3);
  if (ns < 1e9) return fmt::format("{:.3g} ms", ns / 1e6);
  if (ns < 120e9) return fmt::format("{:.3g} s", ns / 1e9);
  return fmt::format("{:.3g} min", ns / 60e9);
}

}  // namespace vigil::harness::load
