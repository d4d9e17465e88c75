#include "vigil/profilers/growth.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::profilers {
namespace {

// Deterministic noise in [0, 1): the same on every platform.
class Noise {
 public:
  explicit Noise(std::uint64_t seed) : state_(seed) {}
  double next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) / static_cast<double>(1ULL << 53);
  }

 private:
  std::uint64_t state_;
};

std::vector<double> make(std::size_t n, auto f) {
  std::vector<double> ys(n);
  for (std::size_t i = 0; i < n; ++i) ys[i] = f(i);
  return ys;
}

TEST(Growth, SteadyGrowthIsALeakWithItsSlope) {
  const auto ys = make(100, [](std::size_t i) { return 10000.0 + 4096.0 * static_cast<double>(i); });
  const GrowthVerdict v = judge_growth(ys);
  ASSERT_TRUE(v.judged);
  EXPECT_TRUE(v.growing);
  EXPECT_NEAR(v.fit.slope, 4096.0, 1e-6);
  EXPECT_NEAR(v.fit.theil_sen_slope, 4096.0, 1e-6);
  EXPECT_NEAR(v.fit.r2, 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(v.fit.share_growing, 1.0);
  EXPECT_EQ(v.fit.first, 50u);  // judged on the later half
  EXPECT_EQ(v.fit.points, 50u);
}

TEST(Growth, SlowOneBytePerCycleGrowthIsALeak) {
  const auto ys = make(100, [](std::size_t i) { return 1'000'000.0 + static_cast<double>(i); });
  const GrowthVerdict v = judge_growth(ys);
  EXPECT_TRUE(v.growing);
  EXPECT_NEAR(v.fit.slope, 1.0, 1e-6);
}

TEST(Growth, StepThenFlatIsNotALeak) {
  // A bounded cache filling during the first 30 cycles, then full.
  const auto ys = make(100, [](std::size_t i) { return 64.0 * static_cast<double>(i < 30 ? i : 30); });
  const GrowthVerdict v = judge_growth(ys);
  ASSERT_TRUE(v.judged);
  EXPECT_FALSE(v.growing);
}

TEST(Growth, GrowthStoppingLateInTheWindowIsNotALeak) {
  // Fills until cycle 65 (inside the judged half), then stays: growth must continue to the end.
  const auto ys = make(100, [](std::size_t i) { return 100.0 * static_cast<double>(i < 65 ? i : 65); });
  const GrowthVerdict v = judge_growth(ys);
  EXPECT_FALSE(v.growing);
  EXPECT_FALSE(v.fit.grows_to_end);
}

TEST(Growth, WarmupCyclesAreIgnored) {
  const auto ys = make(20, [](std::size_t i) { return i < 10 ? 1000.0 * static_cast<double>(i) : 9000.0; });
  GrowthOptions options;
  options.warmup = 10;
  const GrowthVerdict v = judge_growth(ys, options);
  ASSERT_TRUE(v.judged);
  EXPECT_EQ(v.fit.first, 10u);
  EXPECT_FALSE(v.growing);
  EXPECT_DOUBLE_EQ(v.fit.slope, 0.0);
}

TEST(Growth, NoisyBoundedIsNotALeak) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    Noise noise(seed);
    const auto ys = make(100, [&](std::size_t) { return 50'000.0 + 8'000.0 * noise.next(); });
    EXPECT_FALSE(judge_growth(ys).growing) << "seed " << seed;
  }
}

TEST(Growth, NoisySteadyGrowthIsALeak) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Noise noise(seed);
    const auto ys = make(100, [&](std::size_t i) {
      return 50'000.0 + 500.0 * static_cast<double>(i) + 4'000.0 * noise.next();
    });
    const GrowthVerdict v = judge_growth(ys);
    EXPECT_TRUE(v.growing) << "seed " << seed;
    EXPECT_NEAR(v.fit.slope, 500.0, 150.0) << "seed " << seed;
  }
}

TEST(Growth, BoundedSawtoothIsNotALeak) {
  // A buffer that grows and is released every 10 cycles.
  const auto ys = make(100, [](std::size_t i) { return 1000.0 * static_cast<double>(i % 10); });
  const GrowthVerdict v = judge_growth(ys);
  ASSERT_TRUE(v.judged);
  EXPECT_FALSE(v.growing);
}

TEST(Growth, SawtoothOnARisingBaseIsALeak) {
  const auto ys = make(100, [](std::size_t i) {
    return 1000.0 * static_cast<double>(i % 10) + 300.0 * static_cast<double>(i);
  });
  const GrowthVerdict v = judge_growth(ys);
  EXPECT_TRUE(v.growing);
  EXPECT_NEAR(v.fit.slope, 300.0, 60.0);
}

TEST(Growth, ShrinkingIsNotALeak) {
  const auto ys = make(60, [](std::size_t i) { return 1e6 - 100.0 * static_cast<double>(i); });
  EXPECT_FALSE(judge_growth(ys).growing);
}

TEST(Growth, FlatIsNotALeak) {
  const std::vector<double> ys(60, 4096.0);
  const GrowthVerdict v = judge_growth(ys);
  ASSERT_TRUE(v.judged);
  EXPECT_FALSE(v.growing);
  EXPECT_DOUBLE_EQ(v.fit.share_growing, 0.0);
}

TEST(Growth, TooFewPointsAreNotJudged) {
  const auto ys = make(12, [](std::size_t i) { return 100.0 * static_cast<double>(i); });
  GrowthOptions options;
  options.warmup = 6;
  const GrowthVerdict v = judge_growth(ys, options);
  EXPECT_FALSE(v.judged);
  EXPECT_FALSE(v.growing);
}

TEST(Growth, ShortSeriesAreJudgedWhole) {
  const auto ys = make(10, [](std::size_t i) { return 100.0 * static_cast<double>(i); });
  const GrowthVerdict v = judge_growth(ys);
  ASSERT_TRUE(v.judged);
  EXPECT_EQ(v.fit.first, 0u);
  EXPECT_TRUE(v.growing);
}

TEST(Growth, MinimumSlopeFiltersTinyGrowth) {
  const auto ys = make(100, [](std::size_t i) { return static_cast<double>(i); });
  GrowthOptions options;
  options.min_slope = 16;
  EXPECT_FALSE(judge_growth(ys, options).growing);
}

TEST(Growth, SparseStepsOfASampledLeakAreALeak) {
  // Sampling mode: a leak seen as a step of one sample size every ~6 cycles.
  const auto ys = make(100, [](std::size_t i) { return 65536.0 * static_cast<double>((i * 7 + 3) / 41); });
  EXPECT_TRUE(judge_growth(ys).growing);
}

TEST(Growth, CoarseStepsAreALeakEvenJustAfterAStep) {
  // An arena taking a 16 KiB block every 14 cycles; the last step 13 cycles before the end.
  const auto ys = make(100, [](std::size_t i) { return 16384.0 * static_cast<double>((i + 12) / 14); });
  const GrowthVerdict v = judge_growth(ys);
  EXPECT_TRUE(v.fit.grows_to_end);
  EXPECT_TRUE(v.growing);
  EXPECT_NEAR(v.fit.slope, 16384.0 / 14, 200.0);
}

TEST(MannKendall, SignAndTies) {
  const std::vector<double> up{1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<double> down{8, 7, 6, 5, 4, 3, 2, 1};
  const std::vector<double> flat{3, 3, 3, 3, 3, 3};
  EXPECT_GT(mann_kendall_z(up), 3.0);
  EXPECT_LT(mann_kendall_z(down), -3.0);
  EXPECT_DOUBLE_EQ(mann_kendall_z(flat), 0.0);
  EXPECT_NEAR(mann_kendall_z(up), -mann_kendall_z(down), 1e-12);
}

TEST(TheilSen, IgnoresOutliers) {
  std::vector<double> ys{0, 2, 4, 6, 8, 10, 12, 14, 16, 18};
  ys[4] = 1000;
  EXPECT_DOUBLE_EQ(theil_sen_slope(ys), 2.0);
}

}  // namespace
}  // namespace vigil::profilers
