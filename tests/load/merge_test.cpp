// Merging the runs of several generators: windows aligned by wall clock,
// counts and histograms added exactly, a report round trip that keeps the
// raw record whole.

#include <cmath>

#include <gtest/gtest.h>

#include "vigil/harness/load/load_report.hpp"
#include "vigil/harness/load/merge.hpp"

namespace {

using namespace vigil::harness::load;

constexpr std::int64_t kSecond = 1'000'000'000;

RunRecord run_of(std::int64_t start, std::size_t windows, std::uint64_t per_window, std::uint64_t latency_ns,
                 const std::string& server) {
  RunRecord r;
  r.start_unix_ns = start;
  r.window_ns = kSecond;
  r.server_identity = server;
  for (std::size_t i = 0; i < windows; ++i) {
    Window w;
    w.seconds = 1;
    w.counts.responses = per_window + i;
    w.counts.latency.record(latency_ns + i, per_window + i);
    w.counts.errors[static_cast<std::size_t>(ErrorKind::Timeout)] = i;
    w.server = {100.0 + static_cast<double>(i), 0.5, 0.1};
    w.generator_busy = 0.2 + 0.01 * static_cast<double>(i);
    w.generator_waiting = 0;
    r.windows.push_back(w);
  }
  return r;
}

TEST(Merge, AlignsByWallClockAndKeepsCommonWindows) {
  // B started 1.1 s after A: its window 0 is A's window 1.
  const RunRecord a = run_of(1000 * kSecond, 10, 100, 1'000'000, "host pid 7");
  const RunRecord b = run_of(1000 * kSecond + 1'100'000'000, 10, 50, 3'000'000, "host pid 7");
  const RunRecord m = merge_records({a, b});
  ASSERT_EQ(m.windows.size(), 9u);  // A's 1..9 with B's 0..8
  EXPECT_EQ(m.start_unix_ns, 1001 * kSecond);
  EXPECT_EQ(m.generators, 2u);
  for (std::size_t i = 0; i < m.windows.size(); ++i) {
    const Window& w = m.windows[i];
    EXPECT_EQ(w.counts.responses, (100 + i + 1) + (50 + i)) << i;
    EXPECT_EQ(w.counts.errors[static_cast<std::size_t>(ErrorKind::Timeout)], (i + 1) + i);
    // The histograms add exactly.
    auto expected = a.windows[i + 1].counts.latency;
    expected.merge(b.windows[i].counts.latency);
    EXPECT_TRUE(w.counts.latency == expected) << i;
    // One server, sampled twice: averaged.
    EXPECT_DOUBLE_EQ(w.server.rss_bytes, (100.0 + i + 1 + 100.0 + i) / 2);
    EXPECT_DOUBLE_EQ(w.generator_busy, 0.2 + 0.01 * static_cast<double>(i + 1));
  }
  EXPECT_EQ(m.server_identity, "host pid 7");
}

TEST(Merge, DifferentServersAddUp) {
  const RunRecord a = run_of(0, 5, 100, 1000, "a pid 1");
  const RunRecord b = run_of(0, 5, 100, 1000, "b pid 2");
  const RunRecord m = merge_records({a, b});
  ASSERT_EQ(m.windows.size(), 5u);
  EXPECT_DOUBLE_EQ(m.windows[0].server.rss_bytes, 200);
  EXPECT_DOUBLE_EQ(m.windows[0].server.cpu_cores, 1.0);
  EXPECT_TRUE(m.server_identity.empty());
}

TEST(Merge, RefusesWhatCannotBeMerged) {
  RunRecord a = run_of(0, 5, 100, 1000, "");
  RunRecord b = run_of(0, 5, 100, 1000, "");
  b.window_ns = 2 * kSecond;
  EXPECT_THROW(merge_records({a, b}), vigil::reports::ReportError);
  RunRecord late = run_of(100 * kSecond, 5, 100, 1000, "");
  EXPECT_THROW(merge_records({a, late}), vigil::reports::ReportError);
  RunRecord next = run_of(5 * kSecond, 5, 100, 1000, "");  // starts as `a` ends
  EXPECT_THROW(merge_records({a, next}), vigil::reports::ReportError);
  EXPECT_THROW(merge_records({}), vigil::reports::ReportError);
}

TEST(LoadReport, RoundTripKeepsTheRecord) {
  RunRecord run = run_of(1234 * kSecond, 12, 1000, 2'000'000, "host pid 9");
  run.constant_rate = true;
  for (auto& w : run.windows) {
    w.counts.uncorrected.record(1'000'000, w.counts.responses);
    w.counts.send_lag.record(1000, w.counts.responses);
  }
  JudgeOptions judge;
  judge.warmup_windows = 2;
  judge.slos = {std::get<Slo>(parse_slo("p99=50ms"))};
  const Analysis analysis = analyze(run, judge);
  const auto report = make_load_report(run, analysis, judge, {{"target", "http://127.0.0.1:1/"}});
  const auto json = vigil::reports::to_json(report);
  ASSERT_FALSE(vigil::reports::validate(json).has_value()) << *vigil::reports::validate(json);
  const auto back = vigil::reports::from_json(json);
  const RunRecord again = record_from_report(back);
  ASSERT_EQ(again.windows.size(), run.windows.size());
  EXPECT_EQ(again.start_unix_ns, run.start_unix_ns);
  EXPECT_EQ(again.window_ns, run.window_ns);
  EXPECT_TRUE(again.constant_rate);
  EXPECT_EQ(again.server_identity, "host pid 9");
  for (std::size_t i = 0; i < run.windows.size(); ++i) {
    EXPECT_EQ(again.windows[i].counts.responses, run.windows[i].counts.responses);
    EXPECT_EQ(again.windows[i].counts.errors, run.windows[i].counts.errors);
    EXPECT_TRUE(again.windows[i].counts.latency == run.windows[i].counts.latency);
    EXPECT_TRUE(again.windows[i].counts.uncorrected == run.windows[i].counts.uncorrected);
    EXPECT_DOUBLE_EQ(again.windows[i].server.rss_bytes, run.windows[i].server.rss_bytes);
  }
  const JudgeOptions judge_again = judge_options_from_config(back.config);
  EXPECT_EQ(judge_again.warmup_windows, 2u);
  ASSERT_EQ(judge_again.slos.size(), 1u);
  EXPECT_EQ(judge_again.slos[0].text, "p99=50ms");
  for (const char* name : {"load.throughput_rps", "load.degradation_pct", "load.p99_rise_pct",
                           "load.rss_slope_bytes_per_s", "load.rss_bytes_per_mreq", "load.latency_p99_ms",
                           "load.uncorrected_latency_p99_ms", "load.error_rate", "load.errors.timeout"}) {
    EXPECT_EQ(back.metrics.count(name), 1u) << name;
  }

  vigil::reports::Report other = back;
  other.tool = "pool";
  EXPECT_THROW(record_from_report(other), vigil::reports::ReportError);
  other = back;
  other.config.erase("record");
  EXPECT_THROW(record_from_report(other), vigil::reports::ReportError);
}

}  // namespace
