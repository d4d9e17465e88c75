// The preload's Poisson sampler (profilers/src/preload/poisson_sampler.hpp):
// the distance between samples is exponential with the asked mean, and the
// weights of the sampled allocations add up to unbiased estimates of the
// bytes and blocks allocated. Fixed seeds: the checks are deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "poisson_sampler.hpp"

using vigil::preload::PoissonSampler;

namespace {

constexpr std::uint64_t kMean = 32768;

TEST(PoissonSampler, DistancesHaveTheAskedMean) {
  PoissonSampler s;
  s.seed(12345);
  constexpr int kDraws = 200000;
  double sum = 0;
  for (int i = 0; i < kDraws; ++i) sum += static_cast<double>(s.draw_distance(kMean));
  // Standard error of the mean: kMean / sqrt(kDraws), 0.22% here.
  EXPECT_NEAR(sum / kDraws, static_cast<double>(kMean), 0.01 * kMean);
}

TEST(PoissonSampler, DistancesAreExponential) {
  PoissonSampler s;
  s.seed(777);
  constexpr int kDraws = 100000;
  std::vector<double> d(kDraws);
  for (auto& x : d) x = static_cast<double>(s.draw_distance(kMean));
  std::sort(d.begin(), d.end());
  // Kolmogorov-Smirnov distance to 1 - exp(-x / mean); 1.63 / sqrt(n) is
  // the 1% critical value.
  double worst = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double cdf = 1 - std::exp(-d[i] / kMean);
    worst = std::max({worst, std::abs(cdf - static_cast<double>(i) / kDraws),
                      std::abs(cdf - static_cast<double>(i + 1) / kDraws)});
  }
  EXPECT_LT(worst, 1.63 / std::sqrt(static_cast<double>(kDraws)));
}

TEST(PoissonSampler, WeightsEstimateBytesAndBlocksWithoutBias) {
  PoissonSampler s;
  s.seed(42);
  std::uint64_t x = 99, true_bytes = 0, true_blocks = 0;
  double estimated_bytes = 0, estimated_blocks = 0;
  for (int i = 0; i < 3000000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    // Mostly small blocks (16-271 bytes), a few large ones (64-128 KiB).
    const std::size_t size = (x >> 60) == 0 && (x >> 40 & 15) == 0 ? 65536 + (x >> 33 & 65535) : 16 + (x >> 33 & 255);
    true_bytes += size;
    ++true_blocks;
    if (s.skips(size)) continue;
    const PoissonSampler::Weight w = s.sample(size, kMean);
    estimated_bytes += static_cast<double>(w.bytes);
    estimated_blocks += static_cast<double>(w.blocks);
  }
  // About 14,000 samples: a relative standard error near 1%.
  EXPECT_NEAR(estimated_bytes / static_cast<double>(true_bytes), 1.0, 0.04);
  EXPECT_NEAR(estimated_blocks / static_cast<double>(true_blocks), 1.0, 0.04);
}

TEST(PoissonSampler, AnAllocationFarAboveTheMeanStandsForItself) {
  PoissonSampler s;
  s.seed(5);
  s.skips(1);
  s.sample(1, kMean);  // draws the first distance
  for (int i = 0; i < 100; ++i) {
    const std::size_t size = 40 * kMean;
    ASSERT_FALSE(s.skips(size));
    const PoissonSampler::Weight w = s.sample(size, kMean);
    EXPECT_EQ(w.bytes, size);
    EXPECT_EQ(w.blocks, 1u);
  }
}

TEST(PoissonSampler, NeverSkipsWhenItNeverSamples) {
  // Exact mode never calls sample(): the countdown only goes down.
  PoissonSampler s;
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(s.skips(1u << 30));
}

}  // namespace
