#pragma once
// The subcommands of `vigil-report`, as library calls: main.cpp only parses
// arguments. Each returns the process exit code (kExitClean, kExitProblem,
// kExitBadInput) and writes one line per problem to `err`.

#include <ostream>
#include <string>
#include <vector>

#include "vigil/reports/diff.hpp"

namespace vigil::reports {

struct CompareOptions {
  std::string threshold = "5%";  // default relative threshold
  std::string thresholds_file;   // per-metric rules (JSON), optional
  double alpha = 0.05;
  std::string labels;  // "before,after"; empty: baseline,current
  double profile_threshold = 5;  // points of self share a function may grow by
};

struct DiffCommand {
  std::string base, current;
  CompareOptions compare;
  bool gate = false;  // exit 1 on a regression or a new error finding
  std::string json_out, markdown_out, html_out, junit_out;
};

struct RenderCommand {
  std::vector<std::string> files;  // one report, or BASE CUR for a diff
  std::string format = "markdown";
  std::string output;  // empty: stdout
  CompareOptions compare;
};

int run_validate(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);
// Without gate, a diff that ran exits 0 whatever it found: it is a comparison.
int run_diff(const DiffCommand& cmd, std::ostream& out, std::ostream& err);
int run_import(const std::string& input, const std::string& json_out, std::ostream& out, std::ostream& err);
int run_render(const RenderCommand& cmd, std::ostream& out, std::ostream& err);

// Builds DiffOptions from the command line; throws ReportError on bad values.
DiffOptions make_diff_options(const CompareOptions& o);

}  // namespace vigil::reports
