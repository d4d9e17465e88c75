#include "vigil/reports/cli.hpp"

#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "gbench_fixtures.hpp"
#include "../support/tool_run.hpp"

namespace vigil::reports {
namespace {

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// The bad inputs every subcommand must refuse with exit 2 and one line.
struct BadFiles {
  vigil::test::ScratchDir dir;
  std::vector<std::filesystem::path> all() const {
    return {dir.path() / "missing.json", dir.write("empty.json", ""), dir.write("garbage.json", "not json {"),
            dir.write("schema.json", R"({"schema": "other/1", "tool": "x"})"),
            dir.write("types.json", R"({"schema": "vigil.report/1", "tool": 1})"),
            dir.write("gb-error.json", test::gbench_with_error())};
  }
};

std::filesystem::path good_report(const vigil::test::ScratchDir& dir, const std::string& name, double value) {
  Report r = make_report("pool");
  r.set_metric("pool.reuse_ratio", value, "ratio", Better::Higher);
  r.series["live_bytes"] = Series{"cycle", "bytes", {{0, 10}, {1, 20}, {2, 15}}};
  const auto path = dir.path() / name;
  write_report(r, path);
  return path;
}

TEST(Cli, ValidateAcceptsGoodAndRefusesBadFiles) {
  vigil::test::ScratchDir dir;
  const auto good = good_report(dir, "good.json", 1);
  std::ostringstream out, err;
  EXPECT_EQ(run_validate({good.string()}, out, err), kExitClean);
  EXPECT_NE(out.str().find("ok (pool report"), std::string::npos);
  EXPECT_TRUE(err.str().empty());
  BadFiles bad;
  for (const auto& path : bad.all()) {
    if (path.filename() == "gb-error.json") continue;  // valid JSON, but not a report: covered below
    std::ostringstream o, e;
    EXPECT_EQ(run_validate({good.string(), path.string()}, o, e), kExitBadInput) << path;
    EXPECT_EQ(lines(e.str()), 1) << e.str();
    EXPECT_NE(e.str().find(path.filename().string()), std::string::npos);
  }
}

TEST(Cli, EveryCommandRefusesBadInputWithOneLine) {
  vigil::test::ScratchDir dir;
  const auto good = good_report(dir, "good.json", 1);
  BadFiles bad;
  for (const auto& path : bad.all()) {
    const std::string p = path.string();
    const auto out_file = dir.path() / "out.json";
    std::ostringstream o1, e1, o2, e2, o3, e3, o4, e4, o5, e5;
    DiffCommand diff{good.string(), p, {}, true, out_file.string(), "", "", ""};
    EXPECT_EQ(run_diff(diff, o1, e1), kExitBadInput) << p;
    DiffCommand diff_base{p, good.string(), {}, false, "", "", "", ""};
    EXPECT_EQ(run_diff(diff_base, o2, e2), kExitBadInput) << p;
    EXPECT_EQ(run_render(RenderCommand{{p}, "html", "", {}}, o3, e3), kExitBadInput) << p;
    EXPECT_EQ(run_render(RenderCommand{{good.string(), p}, "junit", "", {}}, o4, e4), kExitBadInput) << p;
    EXPECT_EQ(run_import(p, out_file.string(), o5, e5), kExitBadInput) << p;
    for (const auto* e : {&e1, &e2, &e3, &e4, &e5}) EXPECT_EQ(lines(e->str()), 1) << e->str();
    EXPECT_FALSE(std::filesystem::exists(out_file)) << "partial output for " << p;
  }
}

TEST(Cli, GateExitCodes) {
  vigil::test::ScratchDir dir;
  const auto base = good_report(dir, "base.json", 0.9);
  const auto same = good_report(dir, "same.json", 0.9);
  const auto worse = good_report(dir, "worse.json", 0.5);
  std::ostringstream out, err;
  EXPECT_EQ(run_diff(DiffCommand{base.string(), same.string(), {}, true, "", "", "", ""}, out, err), kExitClean);
  const auto md = dir.path() / "gate.md", html = dir.path() / "gate.html", junit = dir.path() / "gate.xml",
             json_out = dir.path() / "gate.json";
  EXPECT_EQ(run_diff(DiffCommand{base.string(), worse.string(), {}, true, json_out.string(), md.string(),
                                 html.string(), junit.string()},
                     out, err),
            kExitProblem);
  for (const auto& p : {md, html, junit}) EXPECT_GT(std::filesystem::file_size(p), 100u) << p;
  EXPECT_EQ(read_report(json_out).verdict, Verdict::Fail);
  // Without --gate, diff only compares.
  EXPECT_EQ(run_diff(DiffCommand{base.string(), worse.string(), {}, false, "", "", "", ""}, out, err), kExitClean);
  EXPECT_TRUE(err.str().empty()) << err.str();
}

TEST(Cli, BadOptionValues) {
  vigil::test::ScratchDir dir;
  const auto good = good_report(dir, "good.json", 1);
  std::ostringstream out, err;
  CompareOptions bad_threshold;
  bad_threshold.threshold = "lots";
  EXPECT_EQ(run_diff(DiffCommand{good.string(), good.string(), bad_threshold, false, "", "", "", ""}, out, err),
            kExitBadInput);
  CompareOptions bad_labels;
  bad_labels.labels = "before";
  EXPECT_EQ(run_diff(DiffCommand{good.string(), good.string(), bad_labels, false, "", "", "", ""}, out, err),
            kExitBadInput);
  CompareOptions bad_alpha;
  bad_alpha.alpha = 1.5;
  EXPECT_EQ(run_diff(DiffCommand{good.string(), good.string(), bad_alpha, false, "", "", "", ""}, out, err),
            kExitBadInput);
  EXPECT_EQ(run_render(RenderCommand{{good.string()}, "pdf", "", {}}, out, err), kExitBadInput);
  EXPECT_EQ(lines(err.str()), 4) << err.str();
}

TEST(Cli, ImportWritesAValidReport) {
  vigil::test::ScratchDir dir;
  const auto gb = dir.write("gb.json", test::gbench_with_repetitions());
  const auto out_file = dir.path() / "bench.json";
  std::ostringstream out, err;
  EXPECT_EQ(run_import(gb.string(), out_file.string(), out, err), kExitClean);
  EXPECT_EQ(read_report(out_file).metrics.count("bench.route/static.real_time_ns"), 1u);
  // diff takes the Google Benchmark file directly too.
  EXPECT_EQ(run_diff(DiffCommand{out_file.string(), gb.string(), {}, true, "", "", "", ""}, out, err), kExitClean);
}

// The binary itself: argument errors are one line and exit 2; help exits 0.
TEST(CliBinary, ExitCodes) {
  const std::string bin = VIGIL_REPORT_BIN;
  vigil::test::ScratchDir dir;
  const auto run = [&](std::vector<std::string> args) {
    return vigil::test::run_tool(bin, args, dir, std::chrono::seconds(30));
  };
  const auto help = run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("diff"), std::string::npos);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"frobnicate"}, {"diff", "only-one.json"}, {"render", "--format"},
           {"validate", "/nonexistent/report.json"}}) {
    const auto r = run(args);
    EXPECT_EQ(r.exit_code, kExitBadInput) << (args.empty() ? bin : args.back());
    EXPECT_EQ(lines(r.err), 1) << r.err;
  }
  const auto base = good_report(dir, "base.json", 0.9);
  const auto worse = good_report(dir, "worse.json", 0.5);
  EXPECT_EQ(run({"gate", base.string(), worse.string()}).exit_code, kExitProblem);
  EXPECT_EQ(run({"diff", "--gate", base.string(), base.string()}).exit_code, kExitClean);
}

}  // namespace
}  // namespace vigil::reports
