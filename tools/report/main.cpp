// vigil-report: validate, diff, gate, import, render and merge vigil.report/1 files;
// matrix: the detection matrix of tool runs against the defect catalog.
#include <iostream>

#include <CLI/CLI.hpp>

#include "vigil/harness/detection_matrix.hpp"
#include "vigil/harness/load/merge.hpp"
#include "vigil/reports/cli.hpp"
#include "vigil/reports/thresholds.hpp"
#include "vigil/harness/tool_cli.hpp"

namespace {

constexpr double kMaxRelativeThreshold = 10.0;

void add_compare_options(CLI::App& app, vigil::reports::CompareOptions& o) {
  app.add_option("--threshold", o.threshold, "Default relative threshold, e.g. 5% or 0.05 (at most 1000%)")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            // A threshold above 1000% would let any regression through the gate.
            const auto v = vigil::reports::parse_relative_threshold(text);
            if (v && *v <= kMaxRelativeThreshold) return {};
            return "expected a relative threshold in 0..1000%, e.g. 5% or 0.05, got \"" + text + "\"";
          },
          "0..1000%"));
  app.add_option("--thresholds", o.thresholds_file, "Per-metric thresholds (JSON: globs on metric names)");
  // Above 0.5 "significant" means little; 0 would make no change significant.
  vigil::harness::real_number(
      app.add_option("--alpha", o.alpha, "Significance level of the Mann-Whitney U test"), 1e-6, 0.5)
      ->capture_default_str();
  app.add_option("--labels", o.labels, "Names of the two sides, e.g. before,after");
  app.add_option("--profile-threshold", o.profile_threshold,
                 "Points of self share a profiled function may grow by (significantly) before the gate fails")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vigil::reports;
  CLI::App app{"vigil-report: validate, compare, gate, import and render Vigil reports"};
  app.require_subcommand(1);

  std::vector<std::string> validate_files;
  auto* validate = app.add_subcommand("validate", "Check that files are valid vigil.report/1 reports");
  validate->add_option("files", validate_files, "Report files")->required();

  DiffCommand diff;
  auto* diff_cmd = app.add_subcommand("diff", "Compare CUR against BASE (reports or Google Benchmark JSON)");
  auto* gate_cmd = app.add_subcommand("gate", "diff --gate: exit 1 on a regression or a new error finding");
  for (auto* cmd : {diff_cmd, gate_cmd}) {
    cmd->add_option("base", diff.base, "Baseline report")->required();
    cmd->add_option("current", diff.current, "Current report")->required();
    add_compare_options(*cmd, diff.compare);
    cmd->add_option("--json", diff.json_out, "Write the diff as a vigil.report/1 report");
    cmd->add_option("--markdown", diff.markdown_out, "Write a markdown summary");
    cmd->add_option("--html", diff.html_out, "Write a self-contained HTML page");
    cmd->add_option("--junit", diff.junit_out, "Write JUnit XML, one test case per gated metric");
  }
  diff_cmd->add_flag("--gate", diff.gate, "Exit 1 on a regression or a new error finding");

  std::string import_input, import_out;
  auto* import = app.add_subcommand("import", "Convert Google Benchmark JSON to a vigil.report/1 report");
  import->add_option("input", import_input, "Google Benchmark --benchmark_out file")->required();
  import->add_option("--json,-o", import_out, "Output report file")->required();

  RenderCommand render;
  auto* render_cmd = app.add_subcommand("render", "Render a report, or the diff of BASE CUR");
  render_cmd->add_option("files", render.files, "REPORT, or BASE CUR")->required()->expected(1, 2);
  render_cmd->add_option("--format,-f", render.format, "markdown, html or junit")->capture_default_str();
  render_cmd->add_option("--output,-o", render.output, "Output file (default: stdout)");
  add_compare_options(*render_cmd, render.compare);

  std::vector<std::string> merge_files;
  std::string merge_out;
  auto* merge = app.add_subcommand("merge", "Merge the reports of several vigil-load generators into one run");
  merge->add_option("files", merge_files, "vigil-load reports")->required();
  merge->add_option("--json,-o", merge_out, "Write the merged report");

  vigil::harness::MatrixCommand matrix;
  auto* matrix_cmd = app.add_subcommand(
      "matrix", "Judge tool runs against the defect catalog: exit 1 unless every defect is flagged by its tools "
                "and the clean core by none");
  matrix_cmd->add_option("runs", matrix.runs_file, "Runs file: ROW TOOL RUN REPORT PAGE BEFORE_AFTER per line, "
                                                   "tab-separated, paths relative to its folder")->required();
  matrix_cmd->add_option("--html", matrix.html_out, "Write the index: matrix, before/after views, charts");
  matrix_cmd->add_option("--json", matrix.json_out, "Write the matrix as a vigil.report/1 report");
  matrix_cmd->add_option("--note", matrix.notes, "A line to show under the matrix (repeatable)");

  if (auto exit = vigil::harness::parse_command_line(app, argc, argv, "vigil-report", "(see --help)")) return *exit;

  if (validate->parsed()) return run_validate(validate_files, std::cout, std::cerr);
  if (diff_cmd->parsed()) return run_diff(diff, std::cout, std::cerr);
  if (gate_cmd->parsed()) {
    diff.gate = true;
    return run_diff(diff, std::cout, std::cerr);
  }
  if (import->parsed()) return run_import(import_input, import_out, std::cout, std::cerr);
  if (matrix_cmd->parsed()) return vigil::harness::run_matrix(matrix, std::cout, std::cerr);
  if (merge->parsed()) return vigil::harness::load::run_merge(merge_files, merge_out, std::cout, std::cerr);
  return run_render(render, std::cout, std::cerr);
}
