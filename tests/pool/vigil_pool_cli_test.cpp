// End-to-end checks of vigil-pool that do not depend on timing: exit codes,
// bad input, and the reuse finding of pool-no-reuse in the written report.

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"
#include "vigil/reports/report.hpp"

namespace {

namespace fs = std::filesystem;
using vigil::test::ToolRun;

class VigilPool : public ::testing::Test {
 protected:
  ToolRun run(const std::vector<std::string>& args) { return vigil::test::run_tool(VIGIL_POOL_BIN, args, dir_); }

  vigil::test::ScratchDir dir_{"vigil-pool-test"};
};

TEST_F(VigilPool, HelpAndDefectListExitClean) {
  const ToolRun help = run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--min-reuse"), std::string::npos);
  const ToolRun list = run({"--list-defects"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("pool-mutex"), std::string::npos);
}

TEST_F(VigilPool, BadInputExitsTwoWithOneLineAndNoReport) {
  const fs::path json = dir_ / "report.json";
  const std::vector<std::vector<std::string>> cases = {
      {"--defect", "no-such-defect"}, {"--requests", "0"}, {"--threads", "0"},
      {"--min-reuse", "1.5"},         {"--unknown-flag"},  {"--requests", "many"}};
  for (std::vector<std::string> args : cases) {
    const std::string shown = args.front();
    args.insert(args.end(), {"--json", json.string()});
    const ToolRun r = run(args);
    EXPECT_EQ(r.exit_code, 2) << shown;
    EXPECT_EQ(r.stderr_lines(), 1) << shown << ": " << r.err;
    EXPECT_FALSE(fs::exists(json)) << shown;
  }
}

TEST_F(VigilPool, UnwritableReportIsBadInput) {
  const ToolRun r = run({"--requests", "2000", "--threads", "1", "--json", (dir_ / "missing" / "r.json").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.stderr_lines(), 1) << r.err;
}

TEST_F(VigilPool, NoReuseDefectIsFlaggedByTheReuseRatio) {
  const fs::path json = dir_ / "report.json";
  const ToolRun r = run({"--requests", "20000", "--threads", "2", "--defect", "pool-no-reuse", "--json", json.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("low-reuse"), std::string::npos) << r.out;
  const auto report = vigil::reports::read_report(json);
  EXPECT_EQ(report.tool, "pool");
  EXPECT_EQ(report.verdict, vigil::reports::Verdict::Fail);
  EXPECT_EQ(report.metrics.at("pool.reuse_ratio").value, 0.0);
  EXPECT_EQ(report.metrics.at("pool.reuse_ratio.t2").value, 0.0);
  EXPECT_GT(report.metrics.at("pool.fresh_allocs_after_warmup.t1").value, 0.0);
  int low_reuse = 0;
  for (const auto& f : report.findings) low_reuse += f.kind == "low-reuse";
  EXPECT_EQ(low_reuse, 2);  // at 1 and at 2 threads
  EXPECT_EQ(report.config["defects"], nlohmann::json::array({"pool-no-reuse"}));
}

TEST_F(VigilPool, CorrectPoolReportsFullReuseAndEveryMetric) {
  const fs::path json = dir_ / "report.json";
  const ToolRun r = run({"--requests", "20000", "--threads", "2", "--json", json.string()});
  // Exit 0 or 1: whether the pool beat new/delete is timing, not judged here.
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  const auto report = vigil::reports::read_report(json);
  for (const char* name : {"pool.reuse_ratio", "pool.fresh_allocs_after_warmup", "pool.speedup_vs_new",
                           "pool.acquire_release_ns.t1", "pool.acquire_release_ns.t2", "pool.new_delete_ns.t1",
                           "pool.new_delete_ns.t2", "pool.speedup_vs_new.t2"}) {
    EXPECT_TRUE(report.metrics.count(name)) << name;
  }
  EXPECT_EQ(report.metrics.at("pool.reuse_ratio").value, 1.0);
  EXPECT_EQ(report.metrics.at("pool.fresh_allocs_after_warmup").value, 0.0);
  for (const auto& f : report.findings) {
    EXPECT_EQ(f.kind, "pool-slower-than-new") << f.message;
  }
}

}  // namespace
