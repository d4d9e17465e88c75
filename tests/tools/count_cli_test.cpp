// vigil-count end to end: bad input (one line, exit 2, no report), a user's
// own benchmark binary counted into a valid report, and the CI gate with the
// committed thresholds catching a 2% change in one benchmark's instructions,
// naming the function it went to, while an A/A comparison passes.

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"
#include "vigil/reports/report.hpp"

namespace {

namespace fs = std::filesystem;
using vigil::test::ToolRun;

class VigilCount : public ::testing::Test {
 protected:
  ToolRun count(std::vector<std::string> args) {
    return vigil::test::run_tool(VIGIL_COUNT_BIN, args, dir_, std::chrono::seconds(300));
  }
  ToolRun gate(const fs::path& base, const fs::path& current) {
    return vigil::test::run_tool(VIGIL_REPORT_BIN, {"gate", base.string(), current.string(), "--thresholds",
                                                   VIGIL_THRESHOLDS},
                                 dir_);
  }
  void expect_bad_input(const std::vector<std::string>& args) {
    const ToolRun r = count(args);
    EXPECT_EQ(r.exit_code, 2) << testing::PrintToString(args) << r.err;
    EXPECT_EQ(r.stderr_lines(), 1) << testing::PrintToString(args) << r.err;
    EXPECT_EQ(r.err.rfind("vigil-count: ", 0), 0u) << r.err;
    EXPECT_FALSE(fs::exists(json_)) << testing::PrintToString(args);
  }

  vigil::test::ScratchDir dir_{"vigil-count-test"};
  fs::path json_ = dir_ / "count.json";
};

TEST_F(VigilCount, Help) {
  const ToolRun r = count({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--iterations"), std::string::npos);
  EXPECT_NE(r.out.find("--regions"), std::string::npos);
}

TEST_F(VigilCount, BadNumbersAreRefusedBeforeAnyRun) {
  const std::string bench = VIGIL_COUNT_USER_BENCH, json = json_.string();
  for (const std::string option : {"--iterations", "--jobs", "--timeout", "--functions"}) {
    for (const std::string value : {"-5", "0", "-1", "99999999999999999999999", "lots", "1e3x"}) {
      if (option == "--functions" && value == "0") continue;  // no functions shown: valid
      expect_bad_input({option, value, "--json", json, "--", bench});
    }
  }
  expect_bad_input({"--iterations", "150", "--json", json, "--", bench});  // not a power of ten
  expect_bad_input({"--iterations", "1000000000", "--json", json, "--", bench});
  expect_bad_input({"--jobs", "65", "--json", json, "--", bench});
  expect_bad_input({"--timeout", "86401", "--json", json, "--", bench});
  expect_bad_input({"--functions", "51", "--json", json, "--", bench});
}

TEST_F(VigilCount, BadInputIsOneLine) {
  const std::string json = json_.string();
  expect_bad_input({"--json", json});                                               // no command
  expect_bad_input({"--json", json, "--", "/nonexistent/bench"});                   // no such file
  expect_bad_input({"--json", json, "--", "/bin/true"});                            // not a benchmark
  expect_bad_input({"--filter", "NoSuchBenchmark", "--json", json, "--", VIGIL_COUNT_USER_BENCH});
  expect_bad_input({"--json", json, "--", VIGIL_COUNT_USER_BENCH, "--benchmark_min_time=1"});
  expect_bad_input({"--env", "NOEQUALS", "--json", json, "--", VIGIL_COUNT_USER_BENCH});
  // No region marked.
  expect_bad_input({"--regions", "--json", json, "--", VIGIL_COUNT_USER_BENCH, "--benchmark_filter=BM_Sum/1000",
                    "--benchmark_min_time=0.001"});
}

TEST_F(VigilCount, GateCatchesATwoPercentChangeAndNamesWhereItWent) {
  const fs::path base = dir_ / "base.json", again = dir_ / "again.json", plus2 = dir_ / "plus2.json";
  const std::vector<std::string> options = {"--filter", "BM_Sum/1000", "--iterations", "100"};
  auto run = [&](const std::string& bench, const fs::path& out) {
    std::vector<std::string> args = options;
    args.insert(args.end(), {"--json", out.string(), "--", bench});
    const ToolRun r = count(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("BM_Sum/1000"), std::string::npos) << r.out;
  };
  run(VIGIL_COUNT_USER_BENCH, base);
  run(VIGIL_COUNT_USER_BENCH, again);
  run(VIGIL_COUNT_USER_BENCH_PLUS2, plus2);
  const auto report = vigil::reports::read_report(base);
  EXPECT_EQ(report.tool, "count");
  EXPECT_EQ(report.metrics.count("count.BM_Sum/1000.instructions"), 1u);
  EXPECT_EQ(report.breakdowns.count("count.BM_Sum/1000.instructions"), 1u);

  const ToolRun aa = gate(base, again);
  EXPECT_EQ(aa.exit_code, 0) << aa.out << aa.err;
  const ToolRun ab = gate(base, plus2);
  EXPECT_EQ(ab.exit_code, 1) << ab.out << ab.err;
  EXPECT_NE(ab.out.find("count.BM_Sum/1000.instructions"), std::string::npos) << ab.out;
  EXPECT_NE(ab.out.find("regression"), std::string::npos) << ab.out;
  // The extra instructions are the checksum's (inlined into the benchmark
  // function or not): the diff names the function.
  EXPECT_NE(ab.out.find("where it went: +"), std::string::npos) << ab.out;
  EXPECT_NE(ab.out.find("BM_Sum(benchmark::State&)"), std::string::npos) << ab.out;
}

}  // namespace
