#pragma once
// Running the built vigil-leak-test from a test: exit code, output and the
// report it wrote, and what to look for in that report.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "../support/tool_run.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::test {

// A run of vigil-leak-test: exit code, output, and the report it wrote, if any.
struct LeakTestRun : ToolRun {
  std::optional<reports::Report> report;
};

// Runs vigil-leak-test with `args` (and --json into `scratch` when asked).
inline LeakTestRun run_leak_test(const std::vector<std::string>& args, const ScratchDir& scratch,
                                 bool with_json = true) {
  const std::filesystem::path json = scratch / "report.json";
  std::filesystem::remove(json);
  std::vector<std::string> all;
  if (with_json) all = {"--json", json.string()};
  all.insert(all.end(), args.begin(), args.end());
  LeakTestRun r;
  static_cast<ToolRun&>(r) = run_tool(VIGIL_LEAK_TEST_TOOL, all, scratch);
  if (std::filesystem::exists(json)) r.report = reports::read_report(json);
  return r;
}

inline bool stack_names(const reports::Finding& f, const std::string& function) {
  return std::any_of(f.stack.begin(), f.stack.end(),
                     [&](const auto& frame) { return frame.function.find(function) != std::string::npos; });
}

// Growth findings ("leak" errors with a fit) whose stack names `function`.
inline std::size_t growth_leaks_naming(const reports::Report& r, const std::string& function) {
  return static_cast<std::size_t>(std::count_if(r.findings.begin(), r.findings.end(), [&](const reports::Finding& f) {
    return f.kind == "leak" && f.severity == reports::Severity::Error && f.extra.contains("fit") &&
           stack_names(f, function);
  }));
}

inline std::string describe(const LeakTestRun& run) {
  return (run.timed_out ? "timed out\n" : "exit " + std::to_string(run.exit_code) + "\n") + run.out + run.err;
}

}  // namespace vigil::test
