// `vigil-report matrix`: runs judged against the defect catalog, which alone
// says which tool must flag which defect.
#include "vigil/harness/detection_matrix.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"
#include "vigil/harness/defects.hpp"

namespace vigil::harness {
namespace {

using reports::CellOutcome;

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// A report of `tool` with the given verdict, at `folder/name`.
void write_verdict(const std::filesystem::path& folder, const std::string& name, bool fail) {
  reports::Report r = reports::make_report("test");
  r.verdict = fail ? reports::Verdict::Fail : reports::Verdict::Pass;
  reports::write_report(r, folder / name);
}

// Every catalog cell, as the demo would run it: each defect flagged by exactly
// the tools the catalog names (but `skip`, left unflagged), the clean core by
// none (unless `flag_clean`).
std::string runs_file(const std::filesystem::path& folder, std::string_view skip, bool flag_clean) {
  std::string text = "# row\ttool\trun\treport\tpage\tbefore_after\n";
  std::vector<std::string> tools;
  for (const auto& info : defect_catalog()) {
    for (const auto& f : info.flagged_by) {
      if (std::find(tools.begin(), tools.end(), f.tool) == tools.end()) tools.emplace_back(f.tool);
    }
  }
  for (const auto& tool : tools) {
    write_verdict(folder, "clean." + tool + ".json", flag_clean);
    text += "clean\t" + tool + "\t-\tclean." + tool + ".json\t-\t-\n";
    for (const auto& info : defect_catalog()) {
      const std::string name = std::string(info.name) + "." + tool + ".json";
      write_verdict(folder, name, must_flag(info, tool) && !(info.name == skip));
      text += std::string(info.name) + "\t" + tool + "\t-\t" + name + "\t-\t-\n";
    }
  }
  return text;
}

TEST(DetectionMatrixRuns, ParsesLinesAndReadsDashAsNone) {
  const auto lines = parse_matrix_runs("# comment\n\nclean\tvigil-pool\t-\tp.json\tp.html\t-\n", "runs.tsv");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].tool, "vigil-pool");
  EXPECT_EQ(lines[0].run, "");
  EXPECT_EQ(lines[0].page, "p.html");
  EXPECT_EQ(lines[0].before_after, "");
}

TEST(DetectionMatrixRuns, RefusesMalformedLinesNamingThem) {
  try {
    parse_matrix_runs("clean\tvigil-pool\t-\tp.json\n", "runs.tsv");
    FAIL() << "a short line was accepted";
  } catch (const reports::ReportError& e) {
    EXPECT_NE(std::string(e.what()).find("runs.tsv:1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_matrix_runs("no-such-defect\tvigil-pool\t-\tp.json\t-\t-\n", "r"), reports::ReportError);
  EXPECT_THROW(parse_matrix_runs("clean\tvigil-pool\t-\t-\t-\t-\n", "r"), reports::ReportError);
}

TEST(DetectionMatrixRuns, ExpectationsComeFromTheCatalog) {
  vigil::test::ScratchDir dir;
  const auto m = build_detection_matrix(parse_matrix_runs(runs_file(dir.path(), "", false), "r"), dir.path());
  ASSERT_EQ(m.rows.size(), defect_catalog().size() + 1);
  EXPECT_TRUE(m.rows[0].clean);
  for (std::size_t r = 1; r < m.rows.size(); ++r) {
    const auto& info = defect_catalog()[r - 1];
    EXPECT_EQ(m.rows[r].name, info.name);
    for (std::size_t c = 0; c < m.columns.size(); ++c) {
      EXPECT_EQ(m.rows[r].cells[c].expected, must_flag(info, m.columns[c])) << info.name << " " << m.columns[c];
    }
  }
  EXPECT_TRUE(reports::passed(m));
}

TEST(DetectionMatrixRuns, ACatalogToolThatNeverRanIsAColumnOfMisses) {
  vigil::test::ScratchDir dir;
  write_verdict(dir.path(), "clean.json", false);
  const auto m = build_detection_matrix(parse_matrix_runs("clean\tvigil-other\t-\tclean.json\t-\t-\n", "r"), dir.path());
  ASSERT_GT(m.columns.size(), 1u);
  EXPECT_EQ(m.columns[0], "vigil-other");
  const auto pool = std::find(m.columns.begin(), m.columns.end(), "vigil-pool") - m.columns.begin();
  const auto& row = *std::find_if(m.rows.begin(), m.rows.end(), [](const auto& r) { return r.name == "pool-mutex"; });
  EXPECT_EQ(reports::outcome(row, row.cells[pool]), CellOutcome::Missed);
  EXPECT_FALSE(reports::passed(m));
}

struct Command {
  int exit;
  std::string out, err;
};

Command run(const MatrixCommand& cmd) {
  std::ostringstream out, err;
  const int exit = run_matrix(cmd, out, err);
  return {exit, out.str(), err.str()};
}

TEST(DetectionMatrixCommand, ExitCodeSaysWhetherEveryDefectWasCaught) {
  vigil::test::ScratchDir dir;
  const auto runs = dir.path() / "runs.tsv";
  MatrixCommand cmd{runs.string(), (dir.path() / "index.html").string(), (dir.path() / "matrix.json").string(), {}};

  write_text(runs, runs_file(dir.path(), "", false));
  auto result = run(cmd);
  EXPECT_EQ(result.exit, reports::kExitClean) << result.out << result.err;
  EXPECT_TRUE(std::filesystem::exists(cmd.html_out));
  EXPECT_EQ(reports::read_report(cmd.json_out).verdict, reports::Verdict::Pass);

  write_text(runs, runs_file(dir.path(), "thread-leak", false));
  result = run(cmd);
  EXPECT_EQ(result.exit, reports::kExitProblem);
  EXPECT_NE(result.out.find("vigil-leak-test missed thread-leak"), std::string::npos) << result.out;

  write_text(runs, runs_file(dir.path(), "", true));
  result = run(cmd);
  EXPECT_EQ(result.exit, reports::kExitProblem);
  EXPECT_NE(result.out.find("flagged the clean core"), std::string::npos) << result.out;
}

TEST(DetectionMatrixCommand, BadInputIsOneLineAndWritesNothing) {
  vigil::test::ScratchDir dir;
  const auto runs = dir.path() / "runs.tsv";
  MatrixCommand cmd{runs.string(), (dir.path() / "index.html").string(), "", {}};

  auto result = run(cmd);  // no runs file
  EXPECT_EQ(result.exit, reports::kExitBadInput);
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;

  write_text(runs, "clean\tvigil-pool\t-\tmissing.json\t-\t-\n");
  result = run(cmd);
  EXPECT_EQ(result.exit, reports::kExitBadInput);
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_FALSE(std::filesystem::exists(cmd.html_out));

  write_text(runs, "");
  EXPECT_EQ(run(cmd).exit, reports::kExitBadInput);
}

}  // namespace
}  // namespace vigil::harness
