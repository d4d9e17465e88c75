#include "vigil/harness/tool_cli.hpp"

#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace vigil::harness {

int bad_input(std::string_view tool, std::string_view reason) {
  fmt::print(stderr, "{}: {}\n", tool, reason);
  return reports::kExitBadInput;
}

CLI::Option* whole_number(CLI::Option* option, std::uint64_t min, std::uint64_t max) {
  const std::string expected = fmt::format("a whole number in {}..{}", min, max);
  return option->check(CLI::Validator(
      [min, max, expected](std::string& text) -> std::string {
        if (!number_in<std::uint64_t>(text, min, max)) return fmt::format("expected {}, got \"{}\"", expected, text);
        return {};
      },
      fmt::format("in {}..{}", min, max)));
}

CLI::Option* real_number(CLI::Option* option, double min, double max) {
  const std::string expected = fmt::format("a number in {:g}..{:g}", min, max);
  return option->check(CLI::Validator(
      [min, max, expected](std::string& text) -> std::string {
        if (!number_in<double>(text, min, max)) return fmt::format("expected {}, got \"{}\"", expected, text);
        return {};
      },
      fmt::format("in {:g}..{:g}", min, max)));
}

std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      std::string_view tool, std::string_view hint) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help and friends: CLI11 prints them
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (hint.empty()) return bad_input(tool, e.what());
    return bad_input(tool, fmt::format("{} {}", e.what(), hint));
  }
  return std::nullopt;
}

std::string format_findings(const std::vector<reports::Finding>& findings, std::string_view clean_message) {
  if (findings.empty()) return fmt::format("\nno findings: {}\n", clean_message);
  std::string text = fmt::format("\n{} finding(s):\n", findings.size());
  for (const auto& f : findings) text += fmt::format("  [{}] {}\n", f.kind, f.message);
  return text;
}

int write_report_and_exit_code(const reports::Report& report, const std::string& json_path, std::string_view tool) {
  if (!json_path.empty()) {
    try {
      reports::write_report(report, json_path);
    } catch (const std::exception& e) {
      return bad_input(tool, e.what());
    }
  }
  return report.verdict == reports::Verdict::Fail ? reports::kExitProblem : reports::kExitClean;
}

}  // namespace vigil::harness
