// scripts/ci-gate cannot be slipped: a step whose tool was not built, a report
// without a baseline, a baseline without a step and a gated metric that
// vanishes each fail it (exit 1) with a line naming which. The tools are
// stand-ins (shell scripts writing a fixed report) so that the gate's own
// logic runs in seconds; vigil-report is the real one.

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;

// Writes a report with one gated metric (fake.value, $FAKE_VALUE, default 1;
// none when $FAKE_OMIT is set) to the path after --json, or Google Benchmark
// JSON to --benchmark_out=PATH.
constexpr const char* kFakeTool = R"(#!/bin/sh
json=""; gb=""
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json="$2"; shift ;;
    --benchmark_out=*) gb="${1#--benchmark_out=}" ;;
  esac
  shift
done
value=${FAKE_VALUE:-1}
if [ -n "$gb" ]; then
  cat >"$gb" <<END
{"context": {"date": "2026-11-23T06:00:00+00:00", "host_name": "ci", "executable": "fake", "num_cpus": 2},
 "benchmarks": [{"name": "BM_Fake", "run_name": "BM_Fake", "run_type": "iteration", "repetitions": 1,
   "repetition_index": 0, "threads": 1, "iterations": 10, "real_time": 5, "cpu_time": 5, "time_unit": "ns",
   "allocs_per_iter": $value}]}
END
fi
if [ -n "$json" ]; then
  metrics="\"fake.value\": {\"value\": $value, \"unit\": \"things\", \"better\": \"lower\"}"
  [ -n "$FAKE_OMIT" ] && metrics=""
  cat >"$json" <<END
{"schema": "vigil.report/1", "tool": "fake", "tool_version": "0", "created_at": "2026-11-23T06:00:00Z",
 "environment": {}, "config": {}, "metrics": {$metrics}, "series": {}, "findings": [], "verdict": "pass"}
END
fi
exit 0
)";

const std::vector<std::string> kTools = {"bin/vigil-bench", "bin/vigil-count", "bin/vigil-leak-test",
                                         "bin/vigil-pool", "bin/vigil-route-cache"};

class CiGate : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "build/bin");
    fs::create_symlink(VIGIL_REPORT_BIN, dir_ / "build/bin/vigil-report");
    fs::create_directories(dir_ / "baselines");
    fs::copy_file(fs::path(VIGIL_CI_GATE).parent_path().parent_path() / "baselines/thresholds.json",
                  dir_ / "baselines/thresholds.json");
    ::setenv("VIGIL_GATE_BIN", (dir_ / "build").c_str(), 1);
    ::setenv("VIGIL_GATE_BASELINES", (dir_ / "baselines").c_str(), 1);
    ::setenv("VIGIL_GATE_OUT", (dir_ / "out").c_str(), 1);
    ::unsetenv("FAKE_VALUE");
    ::unsetenv("FAKE_OMIT");
    ::unsetenv("GITHUB_STEP_SUMMARY");
  }
  void TearDown() override {
    for (const char* name : {"VIGIL_GATE_BIN", "VIGIL_GATE_BASELINES", "VIGIL_GATE_OUT", "FAKE_VALUE", "FAKE_OMIT"}) {
      ::unsetenv(name);
    }
  }

  void build_tools(const std::vector<std::string>& tools) {
    for (const auto& t : tools) {
      const fs::path p = dir_ / "build" / t;
      fs::create_directories(p.parent_path());
      dir_.write(fs::relative(p, dir_.path()).string(), kFakeTool);
      fs::permissions(p, fs::perms::owner_all);
    }
  }
  ToolRun gate(const std::vector<std::string>& args = {}) { return run_tool(VIGIL_CI_GATE, args, out_); }

  ScratchDir dir_{"vigil-gate"};
  ScratchDir out_{"vigil-gate-out"};
};

TEST_F(CiGate, PassesWhenEveryStepRanAndMatchesItsBaseline) {
  build_tools(kTools);
  const ToolRun update = gate({"--update"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  const ToolRun run = gate();
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.err.find("ci-gate: pass (7 report(s)"), std::string::npos) << run.err;
}

TEST_F(CiGate, AToolThatWasNotBuiltFailsTheGate) {
  build_tools(kTools);
  ASSERT_EQ(gate({"--update"}).exit_code, 0);
  fs::remove(dir_ / "build/bin/vigil-pool");
  const ToolRun run = gate();
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("FAIL pool: " + (dir_ / "build/bin/vigil-pool").string() +
                         " was not built: the step did not run"),
            std::string::npos)
      << run.err;
}

TEST_F(CiGate, AReportWithoutABaselineFailsTheGate) {
  build_tools(kTools);
  ASSERT_EQ(gate({"--update"}).exit_code, 0);
  fs::remove(dir_ / "baselines/route-cache.json");
  const ToolRun run = gate();
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("FAIL route-cache: no baseline"), std::string::npos) << run.err;
}

TEST_F(CiGate, ABaselineWithoutAStepFailsTheGate) {
  build_tools(kTools);
  ASSERT_EQ(gate({"--update"}).exit_code, 0);
  fs::copy_file(dir_ / "baselines/pool.json", dir_ / "baselines/load.json");
  const ToolRun run = gate();
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("FAIL load: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("has no step in scripts/ci-gate"), std::string::npos) << run.err;
}

TEST_F(CiGate, AGatedMetricThatVanishesFailsTheGate) {
  build_tools(kTools);
  ASSERT_EQ(gate({"--update"}).exit_code, 0);
  ::setenv("FAKE_OMIT", "1", 1);
  const ToolRun run = gate();
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(read_text_file(dir_ / "out/pool.diff.txt").find("fake.value"), std::string::npos);
  EXPECT_NE(read_text_file(dir_ / "out/pool.diff.txt").find("missing"), std::string::npos);
}

TEST_F(CiGate, ARegressionFailsTheGate) {
  build_tools(kTools);
  ASSERT_EQ(gate({"--update"}).exit_code, 0);
  ::setenv("FAKE_VALUE", "2", 1);
  EXPECT_EQ(gate().exit_code, 1);
}

}  // namespace
}  // namespace vigil::test
