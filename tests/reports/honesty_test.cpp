// Does `diff` tell the truth? Fixed-seed trials: comparisons of one
// distribution with itself must rarely flag a regression, and a real 10%
// shift with 10 samples a side must nearly always be caught.
#include <random>

#include <gtest/gtest.h>

#include "vigil/reports/diff.hpp"
#include "vigil/reports/statistics.hpp"

namespace vigil::reports {
namespace {

constexpr int kTrials = 1000;
constexpr int kSamples = 10;

// Benchmark-like timings: 100 ns with 5% noise, optionally shifted.
Metric timing(std::mt19937_64& rng, double shift) {
  std::normal_distribution<double> noise(100.0 * (1 + shift), 5.0);
  Metric m;
  m.unit = "ns";
  m.better = Better::Lower;
  for (int i = 0; i < kSamples; ++i) m.samples.push_back(noise(rng));
  m.value = median(m.samples);
  return m;
}

double regression_rate(double shift, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const ThresholdRule rule;  // 5%, gated
  int flagged = 0;
  for (int t = 0; t < kTrials; ++t) {
    const Metric base = timing(rng, 0);
    const Metric cur = timing(rng, shift);
    flagged += compare_metric("t", &base, &cur, rule, 0.05).status == ChangeStatus::Regression;
  }
  return static_cast<double>(flagged) / kTrials;
}

TEST(Honesty, AAComparisonsRarelyFlagARegression) {
  EXPECT_LE(regression_rate(0.0, 42), 0.05);
  EXPECT_LE(regression_rate(0.0, 7), 0.05);
}

TEST(Honesty, TenPercentShiftIsCaught) {
  EXPECT_GE(regression_rate(0.10, 42), 0.90);
  EXPECT_GE(regression_rate(0.10, 7), 0.90);
}

TEST(Honesty, UTestFalsePositiveRateMatchesAlpha) {
  // With no threshold at all, the test alone rejects about alpha of A/A pairs
  // (both directions), so its p-values mean what they say.
  std::mt19937_64 rng(1234);
  int rejected = 0;
  for (int t = 0; t < kTrials; ++t) {
    const Metric a = timing(rng, 0), b = timing(rng, 0);
    rejected += mann_whitney_u(a.samples, b.samples).p_value < 0.05;
  }
  const double rate = static_cast<double>(rejected) / kTrials;
  EXPECT_LE(rate, 0.07);
  EXPECT_GE(rate, 0.02);
}

TEST(Honesty, ImprovementIsNotARegression) {
  std::mt19937_64 rng(99);
  const ThresholdRule rule;
  for (int t = 0; t < 200; ++t) {
    const Metric base = timing(rng, 0), cur = timing(rng, -0.10);
    EXPECT_NE(compare_metric("t", &base, &cur, rule, 0.05).status, ChangeStatus::Regression);
  }
}

}  // namespace
}  // namespace vigil::reports
