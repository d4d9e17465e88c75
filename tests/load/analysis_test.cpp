// The degradation judgement on synthetic windows: what it must flag, and
// what it must not (noise, a busy machine, growth too small to matter).

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "vigil/harness/load/analysis.hpp"

namespace {

using namespace vigil::harness::load;
using vigil::reports::Severity;

struct Shape {
  double throughput = 10'000;  // req/s
  double latency_ns = 1e6;
  double rss = 50e6;
  double cpu_cores = 1.0;
  double waiting = 0.0;
  double machine_probe_ns = 150'000;  // the fixed probe work's CPU time
};

// A run of `n` 1-second windows; `shape(i)` gives window i.
template <typename F>
RunRecord make_run(std::size_t n, F shape) {
  RunRecord run;
  run.window_ns = 1'000'000'000;
  for (std::size_t i = 0; i < n; ++i) {
    const Shape s = shape(i);
    Window w;
    w.seconds = 1;
    w.counts.responses = static_cast<std::uint64_t>(s.throughput);
    w.counts.latency.record(static_cast<std::uint64_t>(s.latency_ns), w.counts.responses);
    w.server = {s.rss, s.cpu_cores, s.waiting};
    w.generator_busy = 0.5;
    w.machine_probe_ns = s.machine_probe_ns;
    w.generator_waiting = 0;
    run.windows.push_back(w);
  }
  return run;
}

JudgeOptions options() {
  JudgeOptions o;
  o.warmup_windows = 2;
  return o;
}

int count(const Analysis& a, const std::string& kind) {
  int n = 0;
  for (const auto& f : a.findings) n += f.kind == kind;
  return n;
}

TEST(Trend, MedianQuartersSlopeAndTest) {
  const Trend t = trend_of({10, 11, 12, 13, 14, 15, 16, 17});
  EXPECT_DOUBLE_EQ(t.first, 10.5);
  EXPECT_DOUBLE_EQ(t.last, 16.5);
  EXPECT_NEAR(t.change_pct, 6 / 10.5 * 100, 1e-9);
  EXPECT_DOUBLE_EQ(t.slope, 1);
  EXPECT_GT(t.z, 3);
}

TEST(Analysis, SteadyRunHasNoFindings) {
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 0.03);
  const RunRecord run = make_run(20, [&](std::size_t) {
    return Shape{10'000 * (1 + noise(rng)), 1e6 * (1 + noise(rng)), 50e6 + 4096 * noise(rng), 1.0, 0};
  });
  const Analysis a = analyze(run, options());
  EXPECT_TRUE(a.findings.empty()) << a.findings.front().message;
  EXPECT_EQ(a.first_judged, 2u);
  EXPECT_EQ(a.judged, 18u);
  EXPECT_NEAR(a.throughput_rps, 10'000, 200);
  EXPECT_FALSE(a.failed());
}

TEST(Analysis, SlowingServerIsADegradation) {
  // 20% slower by the end, each request costing more CPU: the seed's bug.
  const RunRecord run = make_run(20, [](std::size_t i) {
    const double slow = 1 + 0.25 * static_cast<double>(i) / 19;
    return Shape{10'000 / slow, 1e6 * slow, 50e6, 1.0, 0};
  });
  const Analysis a = analyze(run, options());
  ASSERT_EQ(count(a, "degradation"), 1);
  EXPECT_GT(a.degradation_pct(), 10);
  EXPECT_LT(a.throughput.z, -2.58);
  EXPECT_GT(a.p99_rise_pct(), 10);
  EXPECT_TRUE(a.failed());
}

TEST(Analysis, DropWithinTheAllowedDegradationPasses) {
  const RunRecord run = make_run(20, [](std::size_t i) {
    return Shape{10'000 * (1 - 0.03 * static_cast<double>(i) / 19), 1e6, 50e6, 1.0, 0};
  });
  const Analysis a = analyze(run, options());
  EXPECT_LT(a.throughput.z, -2.58);  // a real trend, but under 5%
  EXPECT_EQ(count(a, "degradation"), 0);
}

TEST(Analysis, OneBadWindowIsNoTrend) {
  const RunRecord run = make_run(20, [](std::size_t i) {
    return Shape{i == 18 ? 5'000.0 : 10'000.0, 1e6, 50e6, 1.0, 0};
  });
  EXPECT_EQ(count(analyze(run, options()), "degradation"), 0);
}

TEST(Analysis, LowerLastWindowsWithoutATrendAreNoDegradation) {
  // The last quarter's median is 5.4% under the first's, but the windows
  // between swing both ways: Mann-Kendall z -0.23, no trend.
  const double ys[] = {10000, 10400, 9600,  10200, 9000,  10800, 9200, 10600, 9400,
                       10500, 9300,  10700, 9100,  10900, 9500,  9700, 9300,  9600};
  const RunRecord run = make_run(20, [&](std::size_t i) { return Shape{i < 2 ? 10'000 : ys[i - 2]}; });
  const Analysis a = analyze(run, options());
  EXPECT_GT(a.degradation_pct(), 5);
  EXPECT_GT(a.throughput.z, -1);
  EXPECT_EQ(count(a, "degradation"), 0);
}

TEST(Analysis, StarvedServerIsTheMachineNotADegradation) {
  // Throughput falls because the server waits more and more for a CPU.
  const RunRecord run = make_run(20, [](std::size_t i) {
    const double share = 1 - 0.3 * static_cast<double>(i) / 19;
    return Shape{10'000 * share, 1e6 / share, 50e6, share, 1 - share};
  });
  const Analysis a = analyze(run, options());
  EXPECT_EQ(count(a, "degradation"), 0);
  ASSERT_EQ(count(a, "machine-busy"), 1);
  EXPECT_FALSE(a.failed());
}

TEST(Analysis, NoSpeedVerdictOnABusyMachine) {
  // A slowdown with its CPU time per request rising (cold caches) while the
  // generator waits for a CPU half the time: not judged.
  const RunRecord run = make_run(20, [](std::size_t i) {
    const double slow = 1 + 0.5 * static_cast<double>(i) / 19;
    return Shape{10'000 / slow, 1e6 * slow, 50e6, 0.2, 0.3};
  });
  const Analysis a = analyze(run, options());
  EXPECT_GT(a.server_cpu_per_request->change_pct, 20);
  EXPECT_EQ(count(a, "degradation"), 0);
  EXPECT_EQ(count(a, "machine-busy"), 1);
  EXPECT_FALSE(a.failed());
}

TEST(Analysis, AMachineRunningSlowerIsNotADegradation) {
  // The server's CPU per request and the probe's fixed work rise alike, with
  // no run-queue wait inside: the VM's host was busy elsewhere.
  const RunRecord run = make_run(20, [](std::size_t i) {
    const double slow = 1 + 0.4 * static_cast<double>(i) / 19;
    Shape s{10'000 / slow, 1e6 * slow, 50e6, 1.0, 0};
    s.machine_probe_ns *= slow;
    return s;
  });
  const Analysis a = analyze(run, options());
  EXPECT_GT(a.degradation_pct(), 20);
  EXPECT_EQ(count(a, "degradation"), 0);
  ASSERT_EQ(count(a, "machine-busy"), 1);
  EXPECT_NE(a.findings.front().message.find("the machine itself ran slower"), std::string::npos)
      << a.findings.front().message;
  EXPECT_FALSE(a.failed());
}

TEST(Analysis, AProbeALittleSlowerDoesNotExcuseASlowerServer) {
  // The probe 8% slower, the server's CPU per request 33% dearer: the
  // server degraded.
  const RunRecord run = make_run(20, [](std::size_t i) {
    const double slow = 1 + 0.4 * static_cast<double>(i) / 19;
    Shape s{10'000 / slow, 1e6 * slow, 50e6, 1.0, 0};
    s.machine_probe_ns *= 1 + 0.1 * static_cast<double>(i) / 19;
    return s;
  });
  EXPECT_EQ(count(analyze(run, options()), "degradation"), 1);
}

TEST(Analysis, BusyMachineIsSaidOnceAsAWarning) {
  const RunRecord run = make_run(20, [](std::size_t) { return Shape{10'000, 1e6, 50e6, 0.6, 0.4}; });
  const Analysis a = analyze(run, options());
  ASSERT_EQ(count(a, "machine-busy"), 1);
  EXPECT_NE(a.findings.front().message.find("0.40 cores"), std::string::npos) << a.findings.front().message;
  EXPECT_FALSE(a.failed());
}

TEST(Analysis, RssGrowingPerRequestIsFlagged) {
  // 40 bytes per request at 10k req/s: 400 KB/s.
  const RunRecord run = make_run(20, [](std::size_t i) {
    return Shape{10'000, 1e6, 50e6 + 400e3 * static_cast<double>(i), 1.0, 0};
  });
  const Analysis a = analyze(run, options());
  ASSERT_EQ(count(a, "rss-growth"), 1);
  EXPECT_NEAR(a.rss_bytes_per_mreq, 40e6, 1);
  EXPECT_NEAR(a.rss_slope_bytes_per_s, 400e3, 1);
}

TEST(Analysis, RssStepsOfPagesWithoutTrendAreNotGrowth) {
  // A few pages up and down, and a plateau: no steady growth.
  const RunRecord run = make_run(20, [](std::size_t i) {
    return Shape{10'000, 1e6, 50e6 + 4096.0 * static_cast<double>(i % 3), 1.0, 0};
  });
  EXPECT_EQ(count(analyze(run, options()), "rss-growth"), 0);
}

TEST(Analysis, SmallSteadyGrowthUnderTheFloorPasses) {
  // 0.5 bytes per request: below the 1 MiB per million requests default.
  const RunRecord run = make_run(20, [](std::size_t i) {
    return Shape{10'000, 1e6, 50e6 + 5e3 * static_cast<double>(i), 1.0, 0};
  });
  EXPECT_EQ(count(analyze(run, options()), "rss-growth"), 0);
}

TEST(Analysis, ErrorRateAboveTheLimit) {
  RunRecord run = make_run(20, [](std::size_t) { return Shape{}; });
  run.windows[5].counts.errors[static_cast<std::size_t>(ErrorKind::Status5xx)] = 500;
  run.windows[6].counts.errors[static_cast<std::size_t>(ErrorKind::Connect)] = 10;
  const Analysis a = analyze(run, options());
  ASSERT_EQ(count(a, "errors"), 1);
  EXPECT_NE(a.findings.front().message.find("10 connect, 500 status_5xx"), std::string::npos)
      << a.findings.front().message;
  JudgeOptions lenient = options();
  lenient.max_error_rate = 0.01;
  EXPECT_EQ(count(analyze(run, lenient), "errors"), 0);
}

TEST(Analysis, WarmUpIsLeftOut) {
  // Slow first windows (a cold server) are no trend once left out.
  const RunRecord run = make_run(20, [](std::size_t i) { return Shape{i < 2 ? 3'000.0 : 10'000.0}; });
  EXPECT_TRUE(analyze(run, options()).findings.empty());
  JudgeOptions no_warmup = options();
  no_warmup.warmup_windows = 0;
  EXPECT_GT(analyze(run, no_warmup).throughput.z, 0);
}

TEST(Analysis, TooFewWindowsIsAWarningNotAVerdict) {
  const RunRecord run = make_run(5, [](std::size_t i) { return Shape{10'000.0 - 1'000.0 * static_cast<double>(i)}; });
  const Analysis a = analyze(run, options());
  EXPECT_EQ(count(a, "too-short"), 1);
  EXPECT_EQ(count(a, "degradation"), 0);
  EXPECT_FALSE(a.failed());
}

TEST(Analysis, SaturatedGeneratorIsAWarning) {
  RunRecord run = make_run(20, [](std::size_t) { return Shape{}; });
  for (auto& w : run.windows) w.generator_busy = 0.99;
  const Analysis a = analyze(run, options());
  EXPECT_EQ(count(a, "generator-saturated"), 1);
  EXPECT_FALSE(a.failed());
}

TEST(Analysis, SlosCheckedPerWindowAndOverall) {
  RunRecord run = make_run(20, [](std::size_t i) { return Shape{10'000, i == 10 ? 80e6 : 10e6}; });
  JudgeOptions o = options();
  o.slos = {std::get<Slo>(parse_slo("p99=50ms")), std::get<Slo>(parse_slo("error_rate=0.1%")),
            std::get<Slo>(parse_slo("rps=5000"))};
  const Analysis a = analyze(run, o);
  ASSERT_EQ(a.slos.size(), 3u);
  EXPECT_FALSE(a.slos[0].met());
  EXPECT_EQ(a.slos[0].windows_broken, 1u);
  EXPECT_EQ(a.slos[0].worst_window, 10u);
  // That window holds 5.6% of the judged requests: the overall p99 breaks too.
  EXPECT_FALSE(a.slos[0].slo.met(a.slos[0].overall));
  EXPECT_TRUE(a.slos[1].met());
  EXPECT_TRUE(a.slos[2].met());
  ASSERT_EQ(count(a, "slo"), 1);
  EXPECT_TRUE(a.failed());
}

TEST(Slo, ParsesTheSeedsSyntax) {
  const Slo p99 = std::get<Slo>(parse_slo("p99=50ms"));
  EXPECT_EQ(p99.kind, Slo::Kind::Latency);
  EXPECT_EQ(p99.percentile, 99);
  EXPECT_EQ(p99.limit, 50e6);
  EXPECT_EQ(std::get<Slo>(parse_slo("p99.9=1s")).percentile, 99.9);
  EXPECT_EQ(std::get<Slo>(parse_slo("max=2s")).percentile, 100);
  EXPECT_DOUBLE_EQ(std::get<Slo>(parse_slo("error_rate=0.1%")).limit, 0.001);
  EXPECT_EQ(std::get<Slo>(parse_slo("rps=1000")).limit, 1000);
  for (const char* bad : {"p99", "p98=1ms", "p99=fast", "p99=-1ms", "error_rate=200%", "rps=-3", "=1", "p99="}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_slo(bad))) << bad;
  }
}

}  // namespace
