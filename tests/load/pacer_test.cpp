// The constant-rate schedule and the coordinated-omission correction, on a
// simulated connection whose server stalls for one second.

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/harness/load/pacer.hpp"
#include "vigil/reports/histogram.hpp"

namespace {

using namespace vigil::harness::load;
using vigil::reports::Histogram;

constexpr Nanos kMs = 1'000'000;
constexpr Nanos kOneSecond = 1'000'000'000;

TEST(Pacer, ConnectionsShareTheRateEvenly) {
  // 4 connections at 1000 req/s together: each sends every 4 ms, staggered
  // by 1 ms, so that all together send every millisecond.
  std::vector<Nanos> all;
  for (std::uint32_t c = 0; c < 4; ++c) {
    Pacer p = Pacer::constant_rate(1000, c, 4, 10 * kOneSecond);
    EXPECT_TRUE(p.paced());
    EXPECT_DOUBLE_EQ(p.interval_ns(), 4.0 * kMs);
    for (int k = 0; k < 250; ++k) all.push_back(p.take(0));
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 1000u);
  EXPECT_EQ(all.front(), 10 * kOneSecond);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_EQ(all[i] - all[i - 1], kMs) << i;
}

TEST(Pacer, ScheduleDoesNotDriftOverLongRuns) {
  // 3 req/s has no exact nanosecond interval; request k is still due at k/3 s.
  Pacer p = Pacer::constant_rate(3, 0, 1, 0);
  Nanos due = 0;
  for (int k = 0; k <= 3'000'000; ++k) due = p.take(0);
  EXPECT_EQ(due, 1'000'000 * kOneSecond);
}

TEST(Pacer, ClosedLoopSendsWhenAsked) {
  Pacer p = Pacer::closed_loop();
  EXPECT_FALSE(p.paced());
  EXPECT_EQ(p.take(12345), 12345);
  EXPECT_EQ(p.take(99), 99);
}

struct Simulated {
  Histogram corrected, uncorrected, lag;
};

// One connection, one request in flight, at `rate`; the server answers in
// 100 us, one request at a time, except that it does nothing from
// `stall_from` for `stall` (its answers wait until the stall ends). The
// generator needs `generator_delay` to send a request once it could.
Simulated simulate(double rate, Nanos run, Nanos stall_from, Nanos stall, Nanos generator_delay) {
  constexpr Nanos kService = 100'000;
  Simulated out;
  Pacer pacer = Pacer::constant_rate(rate, 0, 1, 0);
  Nanos room_at = 0, server_free = 0;
  while (pacer.next_due() < run) {
    // Sent when due and the connection has room (its last answer is in).
    const Nanos sent = std::max(pacer.next_due(), room_at) + generator_delay;
    RequestTiming t{pacer.take(sent), sent, room_at};
    Nanos begin = std::max(sent, server_free);
    if (begin >= stall_from && begin < stall_from + stall) begin = stall_from + stall;
    const Nanos answered = begin + kService;
    server_free = answered;
    out.corrected.record(static_cast<std::uint64_t>(corrected_latency(t, answered)));
    out.uncorrected.record(static_cast<std::uint64_t>(uncorrected_latency(t, answered)));
    out.lag.record(static_cast<std::uint64_t>(send_lag(t)));
    room_at = answered;
  }
  return out;
}

TEST(CoordinatedOmission, CorrectedP99ShowsAOneSecondStallThatUncorrectedHides) {
  // 1000 req/s for 20 s; the server stalls for 1 s at 10 s. A thousand
  // requests were due during the stall: 5% of the run waited up to a second.
  const Simulated s = simulate(1000, 20 * kOneSecond, 10 * kOneSecond, kOneSecond, 0);
  EXPECT_EQ(s.corrected.count(), 20'000u);
  EXPECT_GT(s.corrected.percentile(99), 0.5 * kOneSecond);
  EXPECT_GE(s.corrected.percentile(100), 0.99 * kOneSecond);
  // Measured from the actual send, only the one request caught in the
  // stall is slow: p99 stays at the service time.
  EXPECT_LT(s.uncorrected.percentile(99), 0.2 * kMs);
  EXPECT_GE(s.uncorrected.percentile(100), 0.99 * kOneSecond);
  // The generator itself was never late.
  EXPECT_EQ(s.lag.percentile(100), 0);
}

TEST(CoordinatedOmission, NoStallNoDifference) {
  const Simulated s = simulate(1000, 5 * kOneSecond, 100 * kOneSecond, 0, 0);
  EXPECT_EQ(s.corrected.percentile(99), s.uncorrected.percentile(99));
  EXPECT_LT(s.corrected.percentile(100), 0.2 * kMs);
}

TEST(CoordinatedOmission, ALateGeneratorShowsAsSendLagNotAsTheServer) {
  // The generator takes 2 ms to send each request: the lag measures it.
  const Simulated s = simulate(100, 5 * kOneSecond, 100 * kOneSecond, 0, 2 * kMs);
  EXPECT_NEAR(s.lag.percentile(50), 2.0 * kMs, 0.01 * 2 * kMs);
  EXPECT_LT(s.uncorrected.percentile(99), 0.2 * kMs);
}

}  // namespace
