// End-to-end: runs the built vigil-leak-test on the reference core (each
// defect alone, and none) and on vigil_leak_target (known leaks in known
// functions, and programs that do not leak), and checks report and exit code.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "leak_test_run.hpp"

namespace {

namespace fs = std::filesystem;
using vigil::reports::Finding;
using vigil::reports::Report;
using vigil::reports::Severity;
using vigil::test::describe;
using vigil::test::growth_leaks_naming;
using vigil::test::LeakTestRun;
using vigil::test::stack_names;

class LeakTestTool : public ::testing::Test {
 protected:
  LeakTestRun run(const std::vector<std::string>& args, bool with_json = true) {
    return vigil::test::run_leak_test(args, dir_, with_json);
  }

  LeakTestRun run_target(const std::string& mode, std::vector<std::string> options = {}) {
    options.push_back("--");
    options.push_back(VIGIL_LEAK_TARGET);
    options.push_back(mode);
    return run(options);
  }

  vigil::test::ScratchDir dir_{"vigil-leaktest"};
};

std::size_t exit_findings(const Report& r, const std::string& at_exit, const std::string& function) {
  return static_cast<std::size_t>(std::count_if(r.findings.begin(), r.findings.end(), [&](const Finding& f) {
    return f.extra.value("at_exit", "") == at_exit && stack_names(f, function);
  }));
}

// ---- in-process mode on the reference core --------------------------------

TEST_F(LeakTestTool, CoreWithDefectsOffHasNoLeakInAnyScenario) {
  for (const char* scenario : {"api", "random-paths", "burst"}) {
    const LeakTestRun r = run({"--scenario", scenario, "--cycles", "30"});
    ASSERT_TRUE(r.report) << describe(r);
    EXPECT_EQ(r.exit_code, 0) << scenario << "\n" << describe(r);
    EXPECT_FALSE(r.report->has_error_findings()) << scenario;
    EXPECT_EQ(r.report->metrics.at("leak.bytes_per_cycle").value, 0.0) << scenario;
    EXPECT_EQ(r.report->metrics.at("leak.threads_growth").value, 0.0) << scenario;
    EXPECT_EQ(r.report->series.at("live_bytes").points.size(), 35u) << scenario;  // warm-up + cycles
    EXPECT_EQ(r.report->config.at("core").at("status_5xx"), 0) << scenario;
  }
}

struct DefectCase {
  const char* defect;
  const char* scenario;
  const char* requests_per_cycle;
  const char* allocating_function;
};

TEST_F(LeakTestTool, EachCoreDefectIsALeakNamingItsAllocatingFunction) {
  const DefectCase cases[] = {
      {"event-pool-leak", "api", "200", "Event::own_context_entry"},
      {"route-cache-unbounded", "random-paths", "200", "RouteCache::lookup"},
      {"route-cache-unbounded", "api", "200", "RouteCache::lookup"},
      {"arena-no-reset", "api", "200", "Arena::new_block"},
      // The ring doubles: at 200 requests a cycle, 30 cycles see only about
      // 3 doublings after the warm-up, too short to tell; at 2000, 6.
      {"history-unbounded", "burst", "2000", "BufferHistory::record"},
      {"arena-no-reset", "random-paths", "400", "Arena::new_block"},
  };
  for (const DefectCase& c : cases) {
    const LeakTestRun r = run({"--scenario", c.scenario, "--cycles", "30", "--requests-per-cycle",
                           c.requests_per_cycle, "--defect", c.defect});
    ASSERT_TRUE(r.report) << c.defect << "\n" << describe(r);
    EXPECT_EQ(r.exit_code, 1) << c.defect;
    EXPECT_GE(growth_leaks_naming(*r.report, c.allocating_function), 1u)
        << c.defect << " should name " << c.allocating_function << "\n" << describe(r);
    EXPECT_NE(r.out.find(c.allocating_function), std::string::npos) << c.defect << "\n" << r.out;  // in the summary
    EXPECT_GT(r.report->metrics.at("leak.bytes_per_cycle").value, 0.0) << c.defect;
    EXPECT_EQ(r.report->config.at("defects"), nlohmann::json::array({c.defect}));
  }
}

TEST_F(LeakTestTool, ARunTooShortToTellSaysSoInsteadOfAVerdict) {
  // history-unbounded's rings double once in the 12 cycles after the
  // warm-up: one step, as a one-off step at start-up or a record burst is.
  const LeakTestRun r = run({"--scenario", "burst", "--defect", "history-unbounded", "--requests-per-cycle", "100",
                             "--cycles", "12"});
  ASSERT_TRUE(r.report) << describe(r);
  EXPECT_EQ(r.exit_code, 0);
  const auto& fs = r.report->findings;
  const auto warning = std::find_if(fs.begin(), fs.end(), [](const Finding& f) {
    return f.kind == "leak" && f.severity == Severity::Warning;
  });
  ASSERT_NE(warning, fs.end()) << describe(r);
  EXPECT_EQ(warning->extra.at("shape"), "too-short");
  EXPECT_NE(r.out.find(fmt::format("verdict: clean, but 1 site too short to tell (a run of at least {} cycles tells)",
                                   warning->extra.at("cycles_needed").get<int>())),
            std::string::npos)
      << r.out;
}

TEST_F(LeakTestTool, ThreadLeakDefectIsAThreadLeakNamingTheBatchWorker) {
  const LeakTestRun r = run({"--cycles", "30", "--defect", "thread-leak"});
  ASSERT_TRUE(r.report) << describe(r);
  EXPECT_EQ(r.exit_code, 1);
  const auto& fs = r.report->findings;
  const auto t = std::find_if(fs.begin(), fs.end(), [](const Finding& f) { return f.kind == "thread-leak"; });
  ASSERT_NE(t, fs.end()) << describe(r);
  EXPECT_TRUE(stack_names(*t, "BatchWorker::")) << describe(r);
  EXPECT_GT(r.report->metrics.at("leak.threads_growth").value, 0.5);
  const auto& threads = r.report->series.at("threads").points;
  EXPECT_GT(threads.back().second, threads.front().second + 20);
}

// ---- external mode on programs with known leaks -----------------------------

struct TargetCase {
  const char* mode;
  const char* allocating_function;
  bool unreachable_at_exit;  // or still reachable
};

TEST_F(LeakTestTool, TargetsThatLeakAreJudgedLeaksNamingTheFunction) {
  const TargetCase cases[] = {
      {"loop", "leak_in_loop", true},           {"realloc", "grow_with_realloc", false},
      {"calloc", "calloc_node", false},         {"aligned", "aligned_leak", true},
      {"threads", "worker_leak", true},         {"reachable-growing", "remember_request", false},
  };
  for (const TargetCase& c : cases) {
    const LeakTestRun r = run_target(c.mode);
    ASSERT_TRUE(r.report) << c.mode << "\n" << describe(r);
    EXPECT_EQ(r.exit_code, 1) << c.mode;
    EXPECT_GE(growth_leaks_naming(*r.report, c.allocating_function), 1u) << c.mode << "\n" << describe(r);
    EXPECT_EQ(exit_findings(*r.report, "unreachable", c.allocating_function) > 0, c.unreachable_at_exit)
        << c.mode << "\n" << describe(r);
    EXPECT_EQ(r.report->config.at("snapshot_trigger"), "cycle") << c.mode;
    EXPECT_NE(r.out.find(c.allocating_function), std::string::npos) << c.mode;  // in the summary
  }
}

// The line of leak_target.cpp that carries the mark "// stack: NAME".
int marked_line(const std::string& name) {
  std::ifstream source(VIGIL_LEAK_TARGET_SOURCE);
  std::string text;
  for (int line = 1; std::getline(source, text); ++line)
    if (text.ends_with("// stack: " + name)) return line;
  return -1;
}

TEST_F(LeakTestTool, InlinedFunctionsAreFramesOfTheirOwnWithTheirLines) {
  const LeakTestRun r = run_target("inlined");
  ASSERT_TRUE(r.report) << describe(r);
  EXPECT_EQ(r.exit_code, 1);
  const auto& fs = r.report->findings;
  const auto leak = std::find_if(fs.begin(), fs.end(), [](const Finding& f) {
    return f.kind == "leak" && f.extra.contains("fit") && stack_names(f, "make_record");
  });
  ASSERT_NE(leak, fs.end()) << describe(r);
  // Innermost first: the allocating line in the inlined function, then each
  // caller at the line of its call, the noinline one last.
  const std::vector<std::string> chain = {"make_record", "keep_record", "leak_through_inlined_calls"};
  ASSERT_GE(leak->stack.size(), chain.size()) << describe(r);
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const auto& frame = leak->stack[i];
    EXPECT_NE(frame.function.find(chain[i]), std::string::npos) << i << ": " << frame.function;
    EXPECT_TRUE(frame.file.ends_with("leak_target.cpp")) << i << ": " << frame.file;
    EXPECT_EQ(frame.line, marked_line(chain[i])) << i << ": " << frame.function;
  }
  EXPECT_NE(r.out.find("make_record"), std::string::npos) << r.out;  // in the summary
}

TEST_F(LeakTestTool, AlignedFamiliesAreThreeSites) {
  const LeakTestRun r = run_target("aligned");
  ASSERT_TRUE(r.report) << describe(r);
  EXPECT_EQ(growth_leaks_naming(*r.report, "aligned_leak"), 3u) << describe(r);
}

TEST_F(LeakTestTool, UnreachableAtExitWithoutGrowthIsALeakAtExitOnly) {
  const LeakTestRun r = run_target("unreachable-at-exit");
  ASSERT_TRUE(r.report) << describe(r);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.report->metrics.at("leak.growing_sites").value, 0.0) << describe(r);
  EXPECT_EQ(exit_findings(*r.report, "unreachable", "lose_blocks_once"), 1u) << describe(r);
  // Eight blocks of 1000 bytes were lost but the last one, still in g_sink.
  EXPECT_EQ(r.report->metrics.at("leak.unreachable_bytes").value, 7000.0);
}

TEST_F(LeakTestTool, TargetsThatDoNotLeakAreClean) {
  for (const char* mode : {"bounded-cache", "pool", "globals"}) {
    const LeakTestRun r = run_target(mode);
    ASSERT_TRUE(r.report) << mode << "\n" << describe(r);
    EXPECT_EQ(r.exit_code, 0) << mode << "\n" << describe(r);
    EXPECT_FALSE(r.report->has_error_findings()) << mode;
    EXPECT_EQ(r.report->metrics.at("leak.unreachable_bytes").value, 0.0) << mode;
  }
}

TEST_F(LeakTestTool, TimerSnapshotsWhenTheProgramNeverCallsCycle) {
  const LeakTestRun r = run_target("timer-leak", {"--interval", "20"});
  ASSERT_TRUE(r.report) << describe(r);
  EXPECT_EQ(r.report->config.at("snapshot_trigger"), "timer");
  EXPECT_GE(r.report->config.at("snapshots").get<int>(), 10);
  EXPECT_GE(growth_leaks_naming(*r.report, "leak_in_loop"), 1u) << describe(r);
}

TEST_F(LeakTestTool, ACrashingTargetIsReported) {
  const LeakTestRun r = run_target("crash");
  ASSERT_TRUE(r.report) << describe(r);
  EXPECT_EQ(r.exit_code, 1);
  const auto& fs = r.report->findings;
  const auto f = std::find_if(fs.begin(), fs.end(), [](const Finding& x) { return x.kind == "target-failure"; });
  ASSERT_NE(f, fs.end());
  EXPECT_EQ(f->extra.at("signal"), 6);
  EXPECT_NE(r.out.find("signal 6"), std::string::npos) << r.out;
}

TEST_F(LeakTestTool, ANonZeroExitIsReported) {
  const LeakTestRun r = run_target("exit-code");
  ASSERT_TRUE(r.report) << describe(r);
  EXPECT_EQ(r.exit_code, 1);
  const auto& fs = r.report->findings;
  const auto f = std::find_if(fs.begin(), fs.end(), [](const Finding& x) { return x.kind == "target-failure"; });
  ASSERT_NE(f, fs.end());
  EXPECT_EQ(f->extra.at("exit_code"), 3);
  EXPECT_EQ(r.report->config.at("target").at("ok"), false);
}

TEST_F(LeakTestTool, FoldedStacksAreRootFirstWithLiveBytes) {
  const fs::path folded = dir_ / "live.folded";
  const LeakTestRun r = run_target("calloc", {"--folded", folded.string()});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  const std::string text = vigil::test::read_text_file(folded);
  std::istringstream lines(text);
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_GT(std::stoull(line.substr(space + 1)), 0u) << line;
    if (line.find("calloc_node") != std::string::npos) {
      found = true;
      EXPECT_LT(line.find("main"), line.find("calloc_node")) << "root first: " << line;
      EXPECT_EQ(std::stoull(line.substr(space + 1)), 40u * 5 * 96) << line;  // 40 cycles x 5 nodes
    }
  }
  EXPECT_TRUE(found) << text;
}

// ---- usage ------------------------------------------------------------------

TEST_F(LeakTestTool, BadUsageIsOneLineAndExitTwoWithoutAReport) {
  const std::vector<std::vector<std::string>> bad = {
      {"--defect", "no-such-defect"},
      {"--cycles", "3"},
      {"--scenario", "nope"},
      {"--depth", "0"},
      {"--defect", "thread-leak", "--", VIGIL_LEAK_TARGET, "loop"},
      {"--", "/no/such/program"},
      {"--json", "/no/such/folder/r.json"},
  };
  for (const auto& args : bad) {
    const LeakTestRun r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1] << "\n" << describe(r);
    EXPECT_EQ(r.stderr_lines(), 1) << r.err;
    EXPECT_FALSE(r.report.has_value()) << args[0];
  }
}

TEST_F(LeakTestTool, ListsTheDefectCatalog) {
  const LeakTestRun r = run({"--list-defects"}, false);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* name : {"event-pool-leak", "route-cache-unbounded", "history-unbounded", "thread-leak", "arena-no-reset"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
}

}  // namespace
