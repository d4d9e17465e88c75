// vigil-count's library: how a process's dumps become loop runs, which runs
// are differenced, and, under Valgrind, a user's own Google Benchmark binary
// and a program marking regions counted as they are.

#include "vigil/profilers/benchmark_count.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"
#include "vigil/profilers/count_report.hpp"
#include "vigil/profilers/fixed_run.hpp"
#include "vigil/profilers/google_benchmark.hpp"
#include "vigil/profilers/region_count.hpp"

namespace vigil::profilers {
namespace {

TEST(GoogleBenchmark, RunStartLines) {
  const auto run = parse_run_start("-- LOG(2): Running BM_RouteParams/5 for 1000");
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->name, "BM_RouteParams/5");
  EXPECT_EQ(run->iterations, 1000u);
  EXPECT_EQ(parse_run_start("-- LOG(2): Running BM_A for B for 10")->name, "BM_A for B");
  EXPECT_FALSE(parse_run_start("-- LOG(2): Ran in 0.1/0.2").has_value());
  EXPECT_FALSE(parse_run_start("-- LOG(2): Running BM_X for many").has_value());
  EXPECT_FALSE(parse_run_start("Running BM_X for 10").has_value());
}

TEST(GoogleBenchmark, FiltersAndThreads) {
  EXPECT_EQ(exact_filter("BM_X/real_time/threads:1"), "^BM_X/real_time/threads:1$");
  EXPECT_EQ(exact_filter("BM_T<int>(a.b)"), "^BM_T<int>\\(a\\.b\\)$");
  EXPECT_EQ(benchmark_threads("BM_X/real_time/threads:2"), 2);
  EXPECT_EQ(benchmark_threads("BM_X/8"), 1);
}

TEST(GoogleBenchmark, RecognisesABenchmarkBinary) {
  EXPECT_TRUE(references_google_benchmark(VIGIL_COUNT_USER_BENCH));
  EXPECT_FALSE(references_google_benchmark(VIGIL_COUNT_REGION_PROGRAM));
  EXPECT_FALSE(references_google_benchmark("/nonexistent"));
}

CallgrindDump dump(int part, const std::string& trigger, double ir = 0) {
  CallgrindDump d;
  d.part = part;
  d.trigger = trigger;
  d.totals[Event::Ir] = ir;
  return d;
}

const std::string kAfterStart = "--dump-after=benchmark::State::StartKeepRunning()";
const std::string kBeforeFinish = "--dump-before=benchmark::State::FinishKeepRunning()";
const std::string kBeforePause = "--dump-before=benchmark::State::PauseTiming()";
const std::string kAfterResume = "--dump-after=benchmark::State::ResumeTiming()";

TEST(LoopRuns, OnlyTheMeasuredStretchesCount) {
  // Google Benchmark calls ResumeTiming inside StartKeepRunning and
  // PauseTiming inside FinishKeepRunning: outside the loop.
  const std::vector<CallgrindDump> dumps = {
      dump(1, kAfterResume, 1e6), dump(2, kAfterStart, 5),     dump(3, kBeforeFinish, 110),
      dump(4, kBeforePause, 7),   dump(5, kAfterResume, 1e6),  dump(6, kAfterStart, 5),
      dump(7, kBeforePause, 600), dump(8, kAfterResume, 9999), dump(9, kBeforeFinish, 500),
      dump(10, kBeforePause, 7),  dump(11, kAfterResume, 1e6), dump(12, kAfterStart, 5),
  };
  const auto runs = loop_runs(dumps, {10, 100, 1000});
  ASSERT_EQ(runs.size(), 2u);  // the third never finished
  EXPECT_EQ(runs[0].iterations, 10u);
  EXPECT_EQ(runs[0].cost[Event::Ir], 110);
  EXPECT_EQ(runs[0].parts, std::vector<int>{3});
  EXPECT_EQ(runs[1].iterations, 100u);
  EXPECT_EQ(runs[1].cost[Event::Ir], 1100);  // the paused 9999 left out
  EXPECT_EQ(runs[1].parts, (std::vector<int>{7, 9}));
}

std::vector<LoopRun> runs_of(std::vector<std::uint64_t> iterations) {
  std::vector<LoopRun> runs;
  for (auto n : iterations) runs.push_back({n, {}, {}});
  return runs;
}

TEST(LoopRuns, TheTargetRunLessTheLongestShorterOne) {
  auto c = choose_runs(runs_of({1, 10, 100, 1000}), 1000);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->counted, 3u);
  EXPECT_EQ(c->base, 2u);
  // A benchmark's own MinTime cut the schedule short of the target.
  c = choose_runs(runs_of({1, 10, 100, 714}), 1000);
  EXPECT_EQ(c->counted, 3u);
  EXPECT_EQ(c->base, 2u);
  // A benchmark's own Iterations(): one run, nothing to subtract.
  c = choose_runs(runs_of({5'000'000}), 1000);
  EXPECT_EQ(c->counted, 0u);
  EXPECT_FALSE(c->base.has_value());
  EXPECT_FALSE(choose_runs({}, 1000).has_value());
}

TEST(LoopRuns, PerIterationIsTheDifferenceOverTheExtraIterations) {
  std::vector<LoopRun> runs = runs_of({100, 1000});
  runs[0].cost[Event::Ir] = 5'000 + 100 * 40;
  runs[0].parts = {2};
  runs[1].cost[Event::Ir] = 5'000 + 1000 * 40;
  runs[1].parts = {4};
  std::map<int, CallgrindDump> dumps;
  dumps[2].functions = {{"setup()", "/app/bench", "", {}}, {"f()", "/app/bench", "app.cpp", {}}};
  dumps[2].functions[0].self[Event::Ir] = 5'000;
  dumps[2].functions[1].self[Event::Ir] = 100 * 40;
  dumps[4].functions = {{"f()", "/app/bench", "app.cpp", {}}, {"setup()", "/app/bench", "", {}}};
  dumps[4].functions[0].self[Event::Ir] = 1000 * 40;
  dumps[4].functions[1].self[Event::Ir] = 5'000;
  const BenchmarkCount b =
      per_iteration("BM_F", runs, {1, 0}, [&](int part) -> const CallgrindDump& { return dumps.at(part); });
  EXPECT_EQ(b.iterations, 1000u);
  EXPECT_EQ(b.base_iterations, 100u);
  EXPECT_DOUBLE_EQ(b.per_iteration[Event::Ir], 40);
  ASSERT_EQ(b.functions.size(), 1u);  // setup() cancels out
  EXPECT_EQ(b.functions[0].function, "f()");
  EXPECT_EQ(b.functions[0].module, "bench");
  EXPECT_DOUBLE_EQ(b.functions[0].instructions, 40);
}

TEST(CountReport, MetricsPerBenchmarkAndWhereTheInstructionsGo) {
  CountOptions o;
  o.command = {"./bench"};
  CountResult result;
  BenchmarkCount b;
  b.name = "BM_F/8";
  b.iterations = 1000;
  b.base_iterations = 100;
  b.per_iteration[Event::Ir] = 40;
  b.functions = {{"f()", "bench", "app.cpp", 40}};
  result.benchmarks.push_back(b);
  result.skipped.push_back({"BM_G/threads:2", "runs on 2 threads"});
  const reports::Report r = count_report(o, result);
  EXPECT_FALSE(reports::validate(reports::to_json(r)).has_value());
  for (const char* metric : {"instructions", "data_reads", "data_writes", "l1_misses", "ll_misses",
                             "estimated_cycles"}) {
    const auto& m = r.metrics.at(std::string("count.BM_F/8.") + metric);
    EXPECT_EQ(m.better, reports::Better::Lower) << metric;
  }
  EXPECT_DOUBLE_EQ(r.metrics.at("count.BM_F/8.instructions").value, 40);
  ASSERT_EQ(r.breakdowns.count("count.BM_F/8.instructions"), 1u);
  EXPECT_EQ(r.breakdowns.at("count.BM_F/8.instructions").entries.at(0).name, "f()");
  // The breakdown survives the trip through JSON.
  EXPECT_EQ(reports::from_json(reports::to_json(r)).breakdowns.at("count.BM_F/8.instructions").entries.at(0).value,
            40);
}

// --- under Valgrind ---

const BenchmarkCount& by_name(const CountResult& r, const std::string& name) {
  for (const auto& b : r.benchmarks) {
    if (b.name == name) return b;
  }
  throw std::runtime_error("not counted: " + name);
}

TEST(CountBenchmarks, AUsersOwnBenchmarkBinaryIsCountedUnmodified) {
  CountOptions o;
  o.command = {VIGIL_COUNT_USER_BENCH};
  o.jobs = 2;
  o.iterations = 100;
  const CountResult r = count_benchmarks(o);
  ASSERT_EQ(r.benchmarks.size(), 3u);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].name, "BM_SharedSum/threads:2");
  EXPECT_NE(r.valgrind.find("callgrind"), std::string::npos);
  const auto& small = by_name(r, "BM_Sum/1000");
  const auto& large = by_name(r, "BM_Sum/2000");
  EXPECT_EQ(small.iterations, 100u);
  EXPECT_EQ(small.base_iterations, 10u);
  // Twice the values, twice the instructions: the set-up (making the data)
  // and the harness stay out.
  EXPECT_NEAR(large.per_iteration[Event::Ir] / small.per_iteration[Event::Ir], 2.0, 0.02);
  // What runs between PauseTiming and ResumeTiming stays out too.
  const auto& paused = by_name(r, "BM_PausedSetUp");
  EXPECT_NEAR(paused.per_iteration[Event::Ir] / small.per_iteration[Event::Ir], 1.0, 0.05);
  // The functions add up to the instructions.
  double sum = 0;
  for (const auto& f : small.functions) sum += f.instructions;
  EXPECT_NEAR(sum / small.per_iteration[Event::Ir], 1.0, 0.01);
  EXPECT_GT(small.per_iteration.estimated_cycles(), small.per_iteration[Event::Ir]);
}

TEST(CountBenchmarks, CountsAreTheSameEveryRun) {
  CountOptions o;
  o.command = {VIGIL_COUNT_USER_BENCH};
  o.filter = "BM_Sum/1000";
  const auto first = count_benchmarks(o), second = count_benchmarks(o);
  EXPECT_EQ(by_name(first, "BM_Sum/1000").per_iteration, by_name(second, "BM_Sum/1000").per_iteration);
}

TEST(CountBenchmarks, BadInputIsACountError) {
  CountOptions o;
  EXPECT_THROW(count_benchmarks(o), CountError);  // no command
  o.command = {VIGIL_COUNT_REGION_PROGRAM};
  try {
    count_benchmarks(o);
    FAIL() << "a program without benchmarks was counted";
  } catch (const CountError& e) {
    EXPECT_NE(std::string(e.what()).find("not a Google Benchmark binary"), std::string::npos) << e.what();
  }
  o.command = {VIGIL_COUNT_USER_BENCH};
  o.filter = "NoSuchBenchmark";
  EXPECT_THROW(count_benchmarks(o), CountError);
  o.filter.clear();
  o.command = {VIGIL_COUNT_USER_BENCH, "--benchmark_filter=BM_Sum"};
  EXPECT_THROW(count_benchmarks(o), CountError);
  o.command = {VIGIL_COUNT_USER_BENCH};
  o.iterations = 150;
  EXPECT_THROW(count_benchmarks(o), CountError);
  o.iterations = 1000;
  // No valgrind on PATH.
  vigil::test::ScratchDir empty;
  const std::string path = std::getenv("PATH");
  ::setenv("PATH", empty.path().c_str(), 1);
  try {
    count_benchmarks(o);
    ADD_FAILURE() << "counted without valgrind";
  } catch (const CountError& e) {
    EXPECT_NE(std::string(e.what()).find("valgrind not found"), std::string::npos) << e.what();
  }
  ::setenv("PATH", path.c_str(), 1);
}

TEST(CountRegions, EachMarkedRegionPerExecution) {
  RegionOptions o;
  o.command = {VIGIL_COUNT_REGION_PROGRAM, "1000"};
  const RegionResult small = count_regions(o);
  ASSERT_EQ(small.regions.size(), 1u);
  EXPECT_EQ(small.regions[0].name, "checksum");
  EXPECT_EQ(small.regions[0].executions, 3u);
  o.command = {VIGIL_COUNT_REGION_PROGRAM, "2000"};
  const RegionResult large = count_regions(o);
  EXPECT_NEAR(large.regions[0].per_execution[Event::Ir] / small.regions[0].per_execution[Event::Ir], 2.0, 0.02);
  const reports::Report r = region_report(o, large);
  EXPECT_FALSE(reports::validate(reports::to_json(r)).has_value());
  EXPECT_EQ(r.metrics.count("count.checksum.instructions"), 1u);
}

TEST(CountRegions, TheMarksDoNothingWithoutValgrind) {
  FixedRunOptions o;
  o.argv = {VIGIL_COUNT_REGION_PROGRAM, "1000"};
  const FixedRunResult r = run_fixed(o);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0);
}

TEST(CountRegions, AProgramWithoutRegionsIsACountError) {
  RegionOptions o;
  o.command = {VIGIL_COUNT_USER_BENCH, "--benchmark_filter=BM_Sum/1000", "--benchmark_min_time=0.001"};
  EXPECT_THROW(count_regions(o), CountError);
}

}  // namespace
}  // namespace vigil::profilers
