#pragma once
// Parsing of the quantities vigil-load takes on its command line: durations
// ("30s", "2m", "250ms"), percentages ("5%", "0.1%") and plain counts, each
// within a range, with a one-line reason when a text is not one.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace vigil::harness::load {

// A value, or the reason the text is not one (fit for "TOOL: --opt: REASON").
template <typename T>
using Parsed = std::variant<T, std::string>;

// "250ms", "30s", "2m", "1h", "500us", "1.5s"; a bare number is seconds.
// Accepted when within [min, max].
Parsed<std::chrono::nanoseconds> parse_duration(std::string_view text, std::chrono::nanoseconds min,
                                                std::chrono::nanoseconds max);

// "5%" (a share, 0.05) or "0.05"; within [0, max_share].
Parsed<double> parse_share(std::string_view text, double max_share);

// A decimal number (no unit) within [min, max]; "1e6" and "2.5" are fine.
Parsed<double> parse_number(std::string_view text, double min, double max);

// Human text of a duration, e.g. "1.50 ms", "30 s".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace vigil::harness::load
