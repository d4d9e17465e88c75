#pragma once
// What every vigil-* tool's main() does around its own work, so that each
// tool behaves the same at its edges: parse the command line (help on stdout,
// a parse error as one line on stderr), check numeric options' ranges, print
// the findings, write the --json report and turn the verdict into the exit
// code.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "vigil/reports/report.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace vigil::harness {

// Prints "TOOL: REASON" as one line on stderr; returns kExitBadInput.
int bad_input(std::string_view tool, std::string_view reason);

// `text`, all of it, as a number within [min, max]: no sign on a whole
// number, no space around it, no NaN or infinity; nullopt otherwise. What
// the range checks below and a server's query parameters accept alike.
template <typename Number>
std::optional<Number> number_in(std::string_view text, Number min, Number max) {
  Number v{};
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, v);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  if constexpr (std::is_floating_point_v<Number>) {
    if (!std::isfinite(v)) return std::nullopt;
  }
  if (v < min || v > max) return std::nullopt;
  return v;
}

// Numeric option ranges, checked on the text before CLI11 converts it (CLI11
// 2.1 reads "-5" into an unsigned as 2^64 - 5): anything but a number within
// [min, max] is a parse error, "--NAME: expected ..., got TEXT". Both return
// `option`, for chaining.
// A whole number: digits only, no sign, no exponent.
CLI::Option* whole_number(CLI::Option* option, std::uint64_t min, std::uint64_t max);
// A finite real number, e.g. 0.25 or 1e-3.
CLI::Option* real_number(CLI::Option* option, double min, double max);

// Parses argv into `app`. Returns nullopt when the tool should go on;
// otherwise the exit code: kExitClean after printing the help (--help,
// --help-all), kExitBadInput after one line "TOOL: REASON HINT" on stderr
// (HINT, e.g. "(see --help)", only when given).
std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      std::string_view tool, std::string_view hint = {});

// The findings part of a tool's summary, after a blank line: "no findings:
// CLEAN_MESSAGE", or "N finding(s):" and one "  [kind] message" line each.
std::string format_findings(const std::vector<reports::Finding>& findings, std::string_view clean_message);

// Writes `report` to `json_path` (atomically; nothing when the path is empty)
// and returns the exit code: kExitBadInput after one line on stderr if the
// write failed, kExitProblem when the verdict is Fail, else kExitClean.
int write_report_and_exit_code(const reports::Report& report, const std::string& json_path, std::string_view tool);

}  // namespace vigil::harness
