// vigil-report on reports with profiles: diff lists where time moved, gate
// fails on a function whose self share grew significantly beyond the
// threshold (naming it) and passes shrinkage and noise, render and --html
// draw flame graphs.
#include <sstream>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"
#include "profile_fixtures.hpp"
#include "vigil/reports/cli.hpp"

namespace vigil::reports {
namespace {

std::filesystem::path profiled_report(const vigil::test::ScratchDir& dir, const std::string& name,
                                      const std::vector<std::pair<std::string, std::uint64_t>>& stacks) {
  Report r = make_report("profile");
  r.profiles["profile"] = test::profile_of(stacks);
  const auto path = dir.path() / name;
  write_report(r, path);
  return path;
}

struct DiffRun {
  int code;
  std::string out, err;
};

DiffRun diff(const std::filesystem::path& base, const std::filesystem::path& current, bool gate,
         CompareOptions options = {}, const std::string& json_out = "", const std::string& html_out = "") {
  std::ostringstream out, err;
  DiffCommand cmd{base.string(), current.string(), options, gate, json_out, "", html_out, ""};
  const int code = run_diff(cmd, out, err);
  return {code, out.str(), err.str()};
}

// 30% of the time in slow_path before, 50% after: 20 points moved.
struct ShiftedPair {
  vigil::test::ScratchDir dir;
  std::filesystem::path before = profiled_report(dir, "before.json", {{"main;work;fast_path", 700}, {"main;work;slow_path", 300}});
  std::filesystem::path after = profiled_report(dir, "after.json", {{"main;work;fast_path", 500}, {"main;work;slow_path", 500}});
};

TEST(ProfileCli, DiffListsWhereTimeMovedLargestFirst) {
  ShiftedPair pair;
  const DiffRun r = diff(pair.before, pair.after, false);
  EXPECT_EQ(r.code, kExitClean) << r.err;  // a diff without --gate only compares
  EXPECT_NE(r.out.find("profile \"profile\" (1000 -> 1000 samples): 2 function(s) changed share significantly"),
            std::string::npos)
      << r.out;
  const auto slow = r.out.find("    slow_path: self 30.0% -> 50.0% (+20.0 points");
  const auto fast = r.out.find("    fast_path: self 70.0% -> 50.0% (-20.0 points");
  ASSERT_NE(slow, std::string::npos) << r.out;
  ASSERT_NE(fast, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[REGRESSION: self grew more than 5 points]", slow), std::string::npos);
  EXPECT_NE(r.out.find("[shrank]", fast), std::string::npos);
  EXPECT_NE(r.out.find("1 profile regression(s)"), std::string::npos);
}

TEST(ProfileCli, GateFailsNamingTheFunctionThatGrew) {
  ShiftedPair pair;
  const auto json_out = pair.dir.path() / "diff.json";
  const DiffRun r = diff(pair.before, pair.after, true, {}, json_out.string());
  EXPECT_EQ(r.code, kExitProblem) << r.out;
  const Report d = read_report(json_out);
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(d.findings[0].kind, "profile-regression");
  EXPECT_EQ(d.findings[0].message,
            "profile \"profile\": slow_path self share grew from 30.0% to 50.0% (+20.0 points, threshold 5 points, "
            "p 5.5e-19)");  // Holm: 8 times the raw p of z = 9.13
  EXPECT_EQ(d.findings[0].stack.at(0).function, "slow_path");
  EXPECT_EQ(d.metrics.at("diff.profile_regressions").value, 1);
  EXPECT_EQ(d.verdict, Verdict::Fail);
}

TEST(ProfileCli, GatePassesShrinkageAndNoise) {
  vigil::test::ScratchDir dir;
  // slow_path shrinks by 10 points; five others grow by 2 each.
  const auto before = profiled_report(dir, "before.json",
                                      {{"main;slow_path", 3000}, {"main;a", 1400}, {"main;b", 1400}, {"main;c", 1400},
                                       {"main;d", 1400}, {"main;e", 1400}});
  const auto after = profiled_report(dir, "after.json",
                                     {{"main;slow_path", 2000}, {"main;a", 1600}, {"main;b", 1600}, {"main;c", 1600},
                                      {"main;d", 1600}, {"main;e", 1600}});
  const DiffRun shrink = diff(before, after, true);
  EXPECT_EQ(shrink.code, kExitClean) << shrink.out;
  EXPECT_NE(shrink.out.find("slow_path: self 30.0% -> 20.0% (-10.0 points"), std::string::npos) << shrink.out;
  EXPECT_NE(shrink.out.find("0 profile regression(s)"), std::string::npos);

  const auto same = profiled_report(dir, "same.json", {{"main;work;fast_path", 702}, {"main;work;slow_path", 298}});
  const auto again = profiled_report(dir, "again.json", {{"main;work;fast_path", 688}, {"main;work;slow_path", 312}});
  const DiffRun noise = diff(same, again, true);
  EXPECT_EQ(noise.code, kExitClean) << noise.out;
  EXPECT_NE(noise.out.find("no function's share changed beyond sampling noise"), std::string::npos) << noise.out;
}

TEST(ProfileCli, ThresholdFromTheCommandLineOrARule) {
  ShiftedPair pair;
  CompareOptions loose;
  loose.profile_threshold = 25;
  EXPECT_EQ(diff(pair.before, pair.after, true, loose).code, kExitClean);

  const auto rules = pair.dir.write("thresholds.json", R"({"rules": [
      {"metrics": "profile.profile", "absolute": 25, "reason": "a looser rule for this profile"}]})");
  CompareOptions with_rule;
  with_rule.thresholds_file = rules.string();
  const DiffRun r = diff(pair.before, pair.after, true, with_rule);
  EXPECT_EQ(r.code, kExitClean) << r.out;
  EXPECT_NE(r.out.find("[grew]"), std::string::npos);

  const auto off = pair.dir.write("off.json", R"({"rules": [{"metrics": "profile.*", "gate": false, "reason": "shown only"}]})");
  CompareOptions not_gated;
  not_gated.thresholds_file = off.string();
  EXPECT_EQ(diff(pair.before, pair.after, true, not_gated).code, kExitClean);

  CompareOptions bad;
  bad.profile_threshold = -1;
  const DiffRun refused = diff(pair.before, pair.after, true, bad);
  EXPECT_EQ(refused.code, kExitBadInput);
  EXPECT_EQ(refused.err, "vigil-report: --profile-threshold: expected points between 0 and 100, got -1\n");
}

TEST(ProfileCli, ProfileOnOneSideIsNotCompared) {
  vigil::test::ScratchDir dir;
  const auto with = profiled_report(dir, "with.json", {{"main;a", 10}});
  Report r = make_report("profile");
  const auto without = dir.path() / "without.json";
  write_report(r, without);
  const DiffRun run = diff(with, without, true);
  EXPECT_EQ(run.code, kExitClean);
  EXPECT_NE(run.out.find("profile \"profile\" only in baseline: not compared"), std::string::npos) << run.out;
}

TEST(ProfileCli, HtmlDrawsTheDifferentialFlameGraph) {
  ShiftedPair pair;
  const auto html = pair.dir.path() / "diff.html";
  EXPECT_EQ(diff(pair.before, pair.after, false, {}, "", html.string()).code, kExitClean);
  const std::string page = vigil::test::read_text_file(html);
  EXPECT_NE(page.find("<h2>Profiles: where time moved</h2>"), std::string::npos);
  EXPECT_NE(page.find("<svg id=\"flame-diff-0\""), std::string::npos);
  EXPECT_NE(page.find("<td class=\"regression\">regression</td>"), std::string::npos);
}

TEST(ProfileCli, TheToolGatesAndRenders) {
  ShiftedPair pair;
  const std::string bin = VIGIL_REPORT_BIN;
  const auto gate = vigil::test::run_tool(bin, {"gate", pair.before.string(), pair.after.string()}, pair.dir);
  EXPECT_EQ(gate.exit_code, kExitProblem) << gate.err;
  EXPECT_NE(gate.out.find("slow_path: self 30.0% -> 50.0%"), std::string::npos) << gate.out;
  const auto loose = vigil::test::run_tool(
      bin, {"gate", pair.before.string(), pair.after.string(), "--profile-threshold", "30"}, pair.dir);
  EXPECT_EQ(loose.exit_code, kExitClean) << loose.err;
  const auto html = pair.dir.path() / "profile.html";
  const auto render = vigil::test::run_tool(bin, {"render", pair.after.string(), "-f", "html", "-o", html.string()},
                                            pair.dir);
  EXPECT_EQ(render.exit_code, kExitClean) << render.err;
  const std::string page = vigil::test::read_text_file(html);
  EXPECT_NE(page.find("<svg id=\"flame-0\""), std::string::npos);
  EXPECT_NE(page.find("data-name=\"slow_path\""), std::string::npos);
}

TEST(ProfileCli, FoldedStacksAreReportsOfOneProfile) {
  vigil::test::ScratchDir dir;
  const auto before = dir.write("before.folded", "main;work;fast_path 700\nmain;work;slow_path 300\n");
  const auto after = dir.write("after.folded", "main;work;fast_path 500\nmain;work;slow_path 500\n");
  const DiffRun r = diff(before, after, true);
  EXPECT_EQ(r.code, kExitProblem) << r.err;
  EXPECT_NE(r.out.find("slow_path: self 30.0% -> 50.0%"), std::string::npos) << r.out;

  const auto bad = dir.write("bad.folded", "main;work 12\nmain;;x 3\n");
  const DiffRun refused = diff(before, bad, true);
  EXPECT_EQ(refused.code, kExitBadInput);
  EXPECT_EQ(refused.err, "vigil-report: " + bad.string() +
                             ": neither JSON nor folded stacks: line 2: empty frame name in \"main;;x\"\n");
}

}  // namespace
}  // namespace vigil::reports
