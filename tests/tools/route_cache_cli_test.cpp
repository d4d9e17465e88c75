// End-to-end checks of vigil-route-cache that do not depend on timing: exit
// codes, one-line errors without a partial report, and the findings of the
// route-cache defects in stdout and in the written report.

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"
#include "vigil/reports/report.hpp"

namespace {

namespace fs = std::filesystem;
using vigil::reports::Report;
using vigil::test::ToolRun;

int findings_of_kind(const Report& report, const std::string& kind) {
  int n = 0;
  for (const auto& f : report.findings) n += f.kind == kind;
  return n;
}

class VigilRouteCache : public ::testing::Test {
 protected:
  ToolRun run(std::vector<std::string> args, bool with_json = true) {
    if (with_json) args.insert(args.end(), {"--json", json_.string()});
    return vigil::test::run_tool(VIGIL_ROUTE_CACHE_BIN, args, dir_);
  }

  vigil::test::ScratchDir dir_{"vigil-route-cache-test"};
  fs::path json_ = dir_ / "report.json";
};

TEST_F(VigilRouteCache, HelpAndDefectListExitClean) {
  const ToolRun help = run({"--help"}, false);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--collide"), std::string::npos) << help.out;
  const ToolRun list = run({"--list-defects"}, false);
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("route-cache-hash-only"), std::string::npos) << list.out;
}

TEST_F(VigilRouteCache, CleanRunExitsZeroWithNoErrorFindings) {
  const ToolRun r = run({"--lookups", "20000"});
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  const Report report = vigil::reports::read_report(json_);
  EXPECT_EQ(report.tool, "route-cache");
  EXPECT_EQ(report.verdict, vigil::reports::Verdict::Pass);
  // Whether the cache was slower than the router is a matter of timing: a
  // warning, never a failure.
  for (const auto& f : report.findings) {
    EXPECT_EQ(f.kind, "cache-slower-than-router") << f.message;
    EXPECT_EQ(f.severity, vigil::reports::Severity::Warning) << f.message;
  }
  EXPECT_EQ(report.metrics.at("route_cache.wrong_answers").value, 0.0);
  EXPECT_LE(report.metrics.at("route_cache.max_size").value, 1024.0);
  for (const char* pattern : {"sequential", "random", "hotspot", "zipf"}) {
    EXPECT_TRUE(report.metrics.count(std::string("route_cache.") + pattern + ".hit_rate")) << pattern;
  }
}

TEST_F(VigilRouteCache, HashOnlyDefectWithCollisionsExitsOneWithWrongAnswers) {
  const ToolRun r = run({"--lookups", "20000", "--defect", "route-cache-hash-only", "--collide"});
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("[wrong-answer]"), std::string::npos) << r.out;
  const Report report = vigil::reports::read_report(json_);
  EXPECT_EQ(report.verdict, vigil::reports::Verdict::Fail);
  EXPECT_EQ(findings_of_kind(report, "wrong-answer"), 4);  // every pattern
  EXPECT_GT(report.metrics.at("route_cache.wrong_answers").value, 0.0);
  EXPECT_EQ(report.config["defects"], nlohmann::json::array({"route-cache-hash-only"}));
}

TEST_F(VigilRouteCache, CollisionsAloneAreNoDefect) {
  const ToolRun r = run({"--lookups", "20000", "--collide"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(vigil::reports::read_report(json_).metrics.at("route_cache.wrong_answers").value, 0.0);
}

TEST_F(VigilRouteCache, UnboundedDefectExitsOneWithGrowth) {
  const ToolRun r = run({"--lookups", "20000", "--pattern", "random", "--defect", "route-cache-unbounded"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const Report report = vigil::reports::read_report(json_);
  EXPECT_EQ(findings_of_kind(report, "unbounded-growth"), 1);
  EXPECT_GT(report.metrics.at("route_cache.max_size").value, 1024.0);
}

TEST_F(VigilRouteCache, BadInputExitsTwoWithOneLineAndNoReport) {
  const fs::path bad_method = dir_.write("bad-method.txt", "GET /a\nFETCH /b\n");
  const fs::path bad_path = dir_.write("bad-path.txt", "GET a-relative-path\n");
  const fs::path no_path = dir_.write("no-path.txt", "GET\n");
  const fs::path empty = dir_.write("empty.txt", "");
  const fs::path conflict = dir_.write("conflict.txt", "GET /users/:id\nGET /users/:name\n");
  const fs::path routes = dir_.write("routes.txt", "GET /a\nGET /b/:id\n");
  const std::vector<std::vector<std::string>> cases = {
      {"--unknown-flag"},
      {"--lookups"},
      {"--lookups", "0"},
      {"--lookups", "many"},
      {"--pattern", "diagonal"},
      {"--min-hit-rate", "2"},
      {"--defect", "no-such-defect"},
      {"--routes", (dir_ / "missing.txt").string()},
      {"--routes", bad_method.string()},
      {"--routes", bad_path.string()},
      {"--routes", no_path.string()},
      {"--routes", empty.string()},
      {"--routes", conflict.string()},
      {"--routes", routes.string(), "--paths", (dir_ / "missing.txt").string()},
      {"--routes", routes.string(), "--paths", bad_method.string()},
      {"--routes", routes.string(), "--paths", empty.string()},
  };
  for (const auto& args : cases) {
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    const ToolRun r = run(args);
    EXPECT_EQ(r.exit_code, 2) << shown << "\n" << r.out;
    EXPECT_EQ(r.stderr_lines(), 1) << shown << ": " << r.err;
    EXPECT_EQ(r.err.rfind("vigil-route-cache: ", 0), 0u) << shown << ": " << r.err;
    EXPECT_FALSE(fs::exists(json_)) << shown;
  }
}

TEST_F(VigilRouteCache, UnwritableReportIsBadInputWithOneLine) {
  const ToolRun r = run({"--lookups", "2000", "--pattern", "zipf", "--json", (dir_ / "missing" / "r.json").string()},
                        false);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(r.stderr_lines(), 1) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
}

TEST_F(VigilRouteCache, ExplainPrintsEachRequestsMatchAndWritesNoReport) {
  const fs::path routes = dir_.write("routes.txt", "GET /users/:id\nGET /users/new\n");
  const fs::path paths = dir_.write("paths.txt", "GET /users/new\nGET /users/7\nGET /nowhere\n");
  const ToolRun r = run({"--routes", routes.string(), "--paths", paths.string(), "--explain"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << r.out;
  EXPECT_NE(r.out.find("GET /users/7 ->"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(json_));
}

TEST_F(VigilRouteCache, ExplainShowsEachRouteWithItsOwnParameterNames) {
  const fs::path routes = dir_.write("routes.txt",
                                     "GET /x/:foo/bar\nGET /x/:bar/baz\nGET /:foo/:baz/bax\nGET /:fod/:baz/:bax/foo\n"
                                     "GET /users/:id\nGET /users/:user_id/keys\nGET /src/*filepath\n");
  const fs::path paths = dir_.write("paths.txt",
                                    "GET /x/1/bar\nGET /x/2/baz\nGET /a/b/c/foo\nGET /users/42/keys\nGET /src/\nGET /src\n");
  const ToolRun r = run({"--routes", routes.string(), "--paths", paths.string(), "--explain"}, false);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "GET /x/1/bar -> GET /x/:foo/bar foo=1\n"
            "GET /x/2/baz -> GET /x/:bar/baz bar=2\n"
            "GET /a/b/c/foo -> GET /:fod/:baz/:bax/foo fod=a baz=b bax=c\n"
            "GET /users/42/keys -> GET /users/:user_id/keys user_id=42\n"
            "GET /src/ -> GET /src/*filepath filepath=\n"
            "GET /src -> no route\n");
}

}  // namespace
