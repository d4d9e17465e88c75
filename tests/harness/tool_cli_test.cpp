// The edges every tool shares: parsing (help, one-line errors), the findings
// text, and writing the report into an exit code.
#include "vigil/harness/tool_cli.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "../support/tool_run.hpp"

namespace vigil::harness {
namespace {

using namespace reports;

struct Parsed {
  std::optional<int> exit;
  std::string out, err;
};

Parsed parse(CLI::App& app, std::vector<const char*> args, std::string_view hint = {}) {
  args.insert(args.begin(), "vigil-x");
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  Parsed p;
  p.exit = parse_command_line(app, static_cast<int>(args.size()), args.data(), "vigil-x", hint);
  p.out = ::testing::internal::GetCapturedStdout();
  p.err = ::testing::internal::GetCapturedStderr();
  return p;
}

TEST(ToolCli, GoesOnWhenTheCommandLineParses) {
  CLI::App app{"test tool"};
  int n = 0;
  app.add_option("--n", n, "a number");
  const Parsed p = parse(app, {"--n", "7"});
  EXPECT_FALSE(p.exit);
  EXPECT_EQ(n, 7);
  EXPECT_EQ(p.out, "");
  EXPECT_EQ(p.err, "");
}

TEST(ToolCli, HelpGoesToStdoutAndExitsClean) {
  CLI::App app{"test tool"};
  int n = 0;
  app.add_option("--n", n, "a number of things");
  const Parsed p = parse(app, {"--help"});
  ASSERT_TRUE(p.exit);
  EXPECT_EQ(*p.exit, kExitClean);
  EXPECT_NE(p.out.find("a number of things"), std::string::npos) << p.out;
  EXPECT_EQ(p.err, "");
}

TEST(ToolCli, ParseErrorIsOneLineNamingTheToolAndExitsTwo) {
  for (const auto& args : {std::vector<const char*>{"--bogus"}, {"--n", "many"}, {"--n"}}) {
    CLI::App app{"test tool"};
    int n = 0;
    app.add_option("--n", n, "a number");
    const Parsed p = parse(app, args);
    ASSERT_TRUE(p.exit) << args[0];
    EXPECT_EQ(*p.exit, kExitBadInput);
    EXPECT_EQ(p.err.rfind("vigil-x: ", 0), 0u) << p.err;
    EXPECT_EQ(std::count(p.err.begin(), p.err.end(), '\n'), 1) << p.err;
    EXPECT_EQ(p.err.back(), '\n');
    EXPECT_EQ(p.out, "");
  }
}

TEST(ToolCli, HintFollowsTheReason) {
  CLI::App app{"test tool"};
  app.require_subcommand(1);
  app.add_subcommand("run", "run it");
  const Parsed p = parse(app, {}, "(see --help)");
  ASSERT_TRUE(p.exit);
  EXPECT_EQ(*p.exit, kExitBadInput);
  EXPECT_EQ(p.err, "vigil-x: A subcommand is required (see --help)\n");
}

TEST(ToolCli, FormatsNoFindingsWithTheCleanMessage) {
  EXPECT_EQ(format_findings({}, "all good"), "\nno findings: all good\n");
}

TEST(ToolCli, FormatsEachFindingWithItsKind) {
  Finding a;
  a.kind = "low-reuse";
  a.message = "reuse 0.00 at 2 threads";
  Finding b;
  b.kind = "wrong-answer";
  b.message = "zipf: 3 wrong";
  EXPECT_EQ(format_findings({a, b}, "unused"),
            "\n2 finding(s):\n  [low-reuse] reuse 0.00 at 2 threads\n  [wrong-answer] zipf: 3 wrong\n");
}

TEST(ToolCli, ExitCodeFollowsTheVerdictAndTheReportIsWritten) {
  vigil::test::ScratchDir dir;
  Report report = make_report("x");
  report.set_metric("x.value", 1, "ratio", Better::Higher);
  const auto json = dir.path() / "x.json";
  EXPECT_EQ(write_report_and_exit_code(report, json.string(), "vigil-x"), kExitClean);
  EXPECT_EQ(read_report(json).metrics.at("x.value").value, 1.0);

  report.verdict = Verdict::Fail;
  EXPECT_EQ(write_report_and_exit_code(report, json.string(), "vigil-x"), kExitProblem);
  EXPECT_EQ(read_report(json).verdict, Verdict::Fail);
  EXPECT_EQ(write_report_and_exit_code(report, "", "vigil-x"), kExitProblem);  // no --json: nothing written
}

TEST(ToolCli, UnwritableReportIsBadInputWithOneLine) {
  vigil::test::ScratchDir dir;
  const auto json = dir.path() / "missing" / "x.json";
  ::testing::internal::CaptureStderr();
  const int exit = write_report_and_exit_code(make_report("x"), json.string(), "vigil-x");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(exit, kExitBadInput);
  EXPECT_EQ(err.rfind("vigil-x: ", 0), 0u) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_FALSE(std::filesystem::exists(json));
}

}  // namespace
}  // namespace vigil::harness
