// End-to-end: the built vigil-profile on test programs whose CPU time splits
// 70/30 between two functions (one thread, ten threads, and the same
// program exec'd by a fork child), on the reference core in-process, and
// on bad input. The kernel checks CPU timers at its ticks (250 Hz here):
// --hz 999 takes a sample at about every tick. A share read from n samples
// has a standard error of sqrt(p(1-p)/n): 3 s of CPU (750 samples) give 1.7
// points, and a 3-point check failed about one run in ten; 12 s (3,000
// samples) give 0.84, so 3 points are 3.6 standard errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/tool_run.hpp"
#include "vigil/reports/report.hpp"

namespace {

namespace fs = std::filesystem;
using vigil::test::run_tool;

constexpr const char* kCpuSeconds = "12";
using vigil::test::ScratchDir;

struct Profiled {
  vigil::test::ToolRun run;
  std::optional<vigil::reports::Report> report;
};

Profiled profile(const std::vector<std::string>& args, const ScratchDir& dir) {
  std::vector<std::string> all = {"--json", (dir / "profile.json").string()};
  all.insert(all.end(), args.begin(), args.end());
  Profiled p;
  p.run = run_tool(VIGIL_PROFILE_TOOL, all, dir, std::chrono::seconds(240));
  if (fs::exists(dir / "profile.json")) p.report = vigil::reports::read_report(dir / "profile.json");
  return p;
}

// The share metric `kind` ("self_share", "total_share") of the function
// whose name contains `function`; -1 when there is none.
double share_of(const vigil::reports::Report& report, const std::string& kind, const std::string& function) {
  const std::string prefix = "profile." + kind + ".";
  for (const auto& [name, metric] : report.metrics)
    if (name.starts_with(prefix) && name.find(function) != std::string::npos) return metric.value;
  return -1;
}

void expect_split(const Profiled& p) {
  ASSERT_EQ(p.run.exit_code, 0) << p.run.err << p.run.out;
  ASSERT_TRUE(p.report);
  EXPECT_GT(p.report->metrics.at("profile.samples").value, 100) << p.run.out;
  for (const char* kind : {"self_share", "total_share"}) {
    EXPECT_NEAR(share_of(*p.report, kind, "seventy_percent"), 0.70, 0.03) << kind << "\n" << p.run.out;
    EXPECT_NEAR(share_of(*p.report, kind, "thirty_percent"), 0.30, 0.03) << kind << "\n" << p.run.out;
  }
  EXPECT_EQ(p.report->metrics.at("profile.dropped_samples").value, 0);
}

TEST(ProfileTool, SplitsOneThreadsTime70To30) {
  ScratchDir dir("vigil-profile");
  expect_split(profile({"--hz", "999", "--", VIGIL_PROFILE_SPLIT, "--cpu-seconds", kCpuSeconds}, dir));
}

TEST(ProfileTool, SplitsTenThreadsTime70To30) {
  ScratchDir dir("vigil-profile");
  const Profiled p =
      profile({"--hz", "999", "--", VIGIL_PROFILE_SPLIT, "--threads", "10", "--cpu-seconds", kCpuSeconds}, dir);
  expect_split(p);
  EXPECT_NE(p.run.out.find("10 threads"), std::string::npos) << p.run.out;  // the ten workers (main only waits)
}

TEST(ProfileTool, ProfilesTheProgramAForkChildExecsButNotTheChildBeforeIt) {
  ScratchDir dir("vigil-profile");
  const Profiled p =
      profile({"--hz", "999", "--", VIGIL_PROFILE_SPAWNER, VIGIL_PROFILE_SPLIT, "--cpu-seconds", kCpuSeconds}, dir);
  expect_split(p);
  ASSERT_TRUE(p.report);
  EXPECT_EQ(share_of(*p.report, "total_share", "child_before_exec"), -1) << p.run.out;
  EXPECT_EQ(p.report->config.at("processes"), 2);  // the spawner (waiting) and the program it exec'd
}

// The profiler's ticks are SIGPROFs: a program's own SIGPROF handler (set
// with sigaction or signal) must get the program's signals and never them.
TEST(ProfileTool, AProgramsOwnSigprofHandlerMeetsOnlyItsOwnSignals) {
  for (const std::vector<std::string>& flag : {std::vector<std::string>{}, std::vector<std::string>{"--signal"}}) {
    ScratchDir dir("vigil-profile");
    std::vector<std::string> args = {"--hz", "999", "--", VIGIL_PROFILE_OWN_SIGPROF};
    args.insert(args.end(), flag.begin(), flag.end());
    const Profiled p = profile(args, dir);
    ASSERT_EQ(p.run.exit_code, 0) << p.run.err << p.run.out;
    ASSERT_TRUE(p.report);
    EXPECT_GT(p.report->metrics.at("profile.samples").value, 20) << p.run.out;
  }
}

TEST(ProfileTool, ProfilesTheReferenceCoreInProcess) {
  ScratchDir dir("vigil-profile");
  const Profiled p = profile({"--scenario", "api", "--requests", "100000", "--hz", "499"}, dir);
  ASSERT_EQ(p.run.exit_code, 0) << p.run.err << p.run.out;
  ASSERT_TRUE(p.report);
  EXPECT_EQ(p.report->tool, "vigil-profile");
  EXPECT_GT(p.report->metrics.at("profile.samples").value, 20) << p.run.out;
  // Time in the core, seen under the scenario runner's frames.
  EXPECT_GT(share_of(*p.report, "total_share", "ScenarioRunner::run"), 0.5) << p.run.out;
  EXPECT_GT(share_of(*p.report, "total_share", "vigil::framework::"), 0.2) << p.run.out;
}

TEST(ProfileTool, ReportsATargetThatFails) {
  ScratchDir dir("vigil-profile");
  const Profiled p = profile({"--", "/bin/sh", "-c", "exit 3"}, dir);
  EXPECT_EQ(p.run.exit_code, 1) << p.run.err << p.run.out;
  ASSERT_TRUE(p.report);
  ASSERT_EQ(p.report->findings.size(), 1u);
  EXPECT_EQ(p.report->findings[0].kind, "target-failure");
}

TEST(ProfileTool, RefusesBadInputInOneLine) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"--scenario", "api", "--", "/bin/true"},
      {"--scenario", "nope"},
      {"--defect", "event-pool-leak", "--", "/bin/true"},
      {"--", "/no/such/program"},
      {"--json", "/no/such/folder/out.json", "--", "/bin/true"},
  };
  std::vector<std::vector<std::string>> cases = bad;
  for (const std::string option : {"--hz", "--top"})
    for (const std::string value : {"-5", "0", "10001", "99999999999999999999999", "abc", "1.5"})
      cases.push_back({option, value, "--", "/bin/true"});
  for (const std::string value : {"-5", "0", "1000000001", "99999999999999999999999", "abc"})
    cases.push_back({"--scenario", "api", "--requests", value});
  for (const auto& args : cases) {
    ScratchDir dir("vigil-profile");
    const Profiled p = profile(args, dir);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(p.run.exit_code, 2) << shown << p.run.err;
    EXPECT_EQ(p.run.stderr_lines(), 1) << shown << p.run.err;
    EXPECT_FALSE(fs::exists(dir / "profile.json")) << shown;
  }
}

}  // namespace
