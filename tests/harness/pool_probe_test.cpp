#include "vigil/harness/pool_probe.hpp"

#include <algorithm>
#include <stdexcept>

#include <gtest/gtest.h>

namespace vigil::harness {
namespace {

using namespace framework;

// A synthetic run: `windows` windows of `acquires` each, with the given
// reuses and fresh allocations per window, and fixed latencies.
PoolRun synthetic(unsigned threads, std::vector<PoolWindow> windows, double pool_ns, double plain_ns) {
  PoolRun run;
  run.threads = threads;
  run.windows = std::move(windows);
  run.warmup_windows = 1;
  run.pool.median_ns = pool_ns;
  run.plain.median_ns = plain_ns;
  return run;
}

bool has_kind(const std::vector<PoolJudgement>& js, const std::string& kind, unsigned threads) {
  return std::any_of(js.begin(), js.end(), [&](const PoolJudgement& j) { return j.kind == kind && j.threads == threads; });
}

TEST(PoolProbeJudge, HealthyRunHasNoFinding) {
  PoolProbeResult r;
  // Warm-up window allocates; the rest reuse everything.
  r.runs.push_back(synthetic(1, {{100, 90, 10}, {100, 100, 0}, {100, 100, 0}}, 10, 25));
  r.runs.push_back(synthetic(2, {{100, 80, 20}, {100, 100, 0}, {100, 100, 0}}, 11, 26));
  EXPECT_TRUE(judge_pool_probe(r).empty());
}

TEST(PoolProbeJudge, LowReuseAfterWarmUpIsFlagged) {
  PoolProbeResult r;
  r.runs.push_back(synthetic(1, {{100, 100, 0}, {100, 90, 10}, {100, 90, 10}}, 10, 25));
  PoolJudgeOptions o;
  o.max_fresh_share_last_window = 1.0;  // isolate the reuse judgement
  const auto js = judge_pool_probe(r, o);
  ASSERT_EQ(js.size(), 1u);
  EXPECT_EQ(js[0].kind, "low-reuse");
  EXPECT_DOUBLE_EQ(js[0].value, 0.9);
  EXPECT_DOUBLE_EQ(js[0].threshold, 0.95);
  o.min_reuse = 0.85;
  EXPECT_TRUE(judge_pool_probe(r, o).empty());
}

TEST(PoolProbeJudge, WarmUpWindowsDoNotCountTowardsReuse) {
  PoolProbeResult r;
  r.runs.push_back(synthetic(1, {{1000, 0, 1000}, {100, 100, 0}}, 10, 25));
  EXPECT_DOUBLE_EQ(r.runs[0].reuse_ratio_after_warmup(), 1.0);
  EXPECT_TRUE(judge_pool_probe(r).empty());
}

TEST(PoolProbeJudge, FreshAllocationsInTheLastWindowAreFlagged) {
  PoolProbeResult r;
  r.runs.push_back(synthetic(2, {{10000, 9000, 1000}, {10000, 10000, 0}, {10000, 9980, 20}}, 10, 25));
  const auto js = judge_pool_probe(r);
  ASSERT_EQ(js.size(), 1u);
  EXPECT_EQ(js[0].kind, "fresh-allocations-growing");
  EXPECT_EQ(js[0].threads, 2u);
  EXPECT_NE(js[0].message.find("20 fresh allocations"), std::string::npos) << js[0].message;
  EXPECT_EQ(r.runs[0].after_warmup().fresh_allocations, 20u);
}

TEST(PoolProbeJudge, PoolSlowerThanPlainAllocationIsFlaggedPerThreadCount) {
  PoolProbeResult r;
  r.runs.push_back(synthetic(1, {{100, 100, 0}, {100, 100, 0}}, 15, 25));
  r.runs.push_back(synthetic(2, {{100, 100, 0}, {100, 100, 0}}, 35, 26));
  const auto js = judge_pool_probe(r);
  ASSERT_EQ(js.size(), 1u);
  EXPECT_TRUE(has_kind(js, "pool-slower-than-new", 2));
  EXPECT_NEAR(r.runs[1].speedup_vs_new(), 26.0 / 35.0, 1e-12);
}

TEST(PoolProbe, CorrectPoolReusesEverythingAfterWarmUp) {
  PoolProbeOptions o;
  o.requests = 4000;
  o.threads = 2;
  o.batch_requests = 50;
  const auto r = run_pool_probe(o);
  ASSERT_EQ(r.runs.size(), 2u);
  for (const auto& run : r.runs) {
    EXPECT_EQ(run.windows.size(), o.windows);
    EXPECT_DOUBLE_EQ(run.reuse_ratio_after_warmup(), 1.0) << run.threads << " thread(s)";
    EXPECT_EQ(run.after_warmup().fresh_allocations, 0u);
    EXPECT_EQ(run.after_warmup().acquires, (o.windows - 1) * (o.requests / run.threads / o.windows) *
                                               run.threads * o.events_per_request);
    EXPECT_FALSE(run.pool.samples.empty());
    EXPECT_FALSE(run.plain.samples.empty());
  }
  PoolJudgeOptions no_timing;
  no_timing.max_slowdown = 1e9;  // judge reuse and growth only: no timing in unit tests
  EXPECT_TRUE(judge_pool_probe(r, no_timing).empty());
}

TEST(PoolProbe, NoReuseDefectIsFlaggedByReuseAndGrowth) {
  PoolProbeOptions o;
  o.requests = 2000;
  o.threads = 1;
  o.defects = DefectSet{Defect::PoolNoReuse};
  const auto r = run_pool_probe(o);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_DOUBLE_EQ(r.runs[0].reuse_ratio_after_warmup(), 0.0);
  PoolJudgeOptions no_timing;
  no_timing.max_slowdown = 1e9;
  const auto js = judge_pool_probe(r, no_timing);
  EXPECT_TRUE(has_kind(js, "low-reuse", 1));
  EXPECT_TRUE(has_kind(js, "fresh-allocations-growing", 1));
}

TEST(PoolProbe, ReportsProgressToTheEnd) {
  PoolProbeOptions o;
  o.requests = 1000;
  o.threads = 2;
  std::uint64_t last_done = 0, last_total = 0;
  run_pool_probe(o, [&](std::uint64_t done, std::uint64_t total) {
    EXPECT_GE(done, last_done);
    last_done = done;
    last_total = total;
  });
  EXPECT_GT(last_total, 0u);
  EXPECT_EQ(last_done, last_total);
}

TEST(PoolProbe, RejectsOptionsThatCannotRun) {
  PoolProbeOptions o;
  o.requests = 0;
  EXPECT_THROW(run_pool_probe(o), std::invalid_argument);
  o.requests = 100;
  o.threads = 0;
  EXPECT_THROW(run_pool_probe(o), std::invalid_argument);
  o.threads = 1;
  o.warmup_windows = o.windows;
  EXPECT_THROW(run_pool_probe(o), std::invalid_argument);
}

}  // namespace
}  // namespace vigil::harness
