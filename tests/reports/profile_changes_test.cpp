// Differential analysis of profiles: an A/A pair drawn from one multinomial
// names nothing; a before/after that moves 20% of the time names both
// functions, whatever the seed.
#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "profile_fixtures.hpp"
#include "vigil/reports/profile_shares.hpp"

namespace vigil::reports {
namespace {

// `samples` draws over the stacks with the given weights (summing to 1),
// with a generator of the test's own so every platform draws the same.
Profile draw(const std::vector<std::pair<std::string, double>>& weights, int samples, std::uint32_t seed) {
  // Through seed_seq: mt19937 seeded with neighbouring small integers
  // directly drew A/A pairs that never reached the tail (0 of 400 pairs
  // below p = 0.05 / 22, where 1.7% do over 4000 pairs).
  std::seed_seq sequence{seed};
  std::mt19937 gen(sequence);
  std::vector<std::uint64_t> counts(weights.size(), 0);
  for (int i = 0; i < samples; ++i) {
    const double u = static_cast<double>(gen()) / 4294967296.0;
    double cumulative = 0;
    std::size_t k = 0;
    for (; k + 1 < weights.size(); ++k) {
      cumulative += weights[k].second;
      if (u < cumulative) break;
    }
    ++counts[k];
  }
  std::vector<std::pair<std::string, std::uint64_t>> stacks;
  for (std::size_t k = 0; k < weights.size(); ++k) stacks.emplace_back(weights[k].first, counts[k]);
  return test::profile_of(stacks);
}

const std::vector<std::pair<std::string, double>> kServer = {
    {"main;serve;parse", 0.30},        {"main;serve;parse;memchr", 0.08}, {"main;serve;route;match", 0.22},
    {"main;serve;handler;render", 0.2}, {"main;serve;write", 0.12},        {"main;epoll_wait", 0.05},
    {"main;serve;handler;log", 0.03}};

std::vector<std::string> named(const std::vector<ShareChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) {
    if (c.significant()) out.push_back(c.function);
  }
  return out;
}

TEST(TwoProportion, KnownValue) {
  // 30 of 100 against 50 of 100: z = 0.2 / sqrt(0.4 * 0.6 * 0.02) = 2.887.
  EXPECT_NEAR(two_proportion_p(30, 100, 50, 100), 0.003892, 1e-6);
  EXPECT_DOUBLE_EQ(two_proportion_p(0, 0, 5, 10), 1.0);
  EXPECT_DOUBLE_EQ(two_proportion_p(10, 10, 20, 20), 1.0);  // pooled share 1: no variance
}

// Holm keeps the chance that an A/A pair names anything at all (the
// family-wise error) at most alpha: over 400 pairs, at most alpha plus three
// standard errors of the count name something.
TEST(ProfileChanges, AaPairsNameNothingBeyondAlpha) {
  constexpr int kPairs = 400;
  int naming = 0;
  for (std::uint32_t seed = 1; seed <= kPairs; ++seed) {
    const auto changes = profile_changes(draw(kServer, 3000, seed), draw(kServer, 3000, seed + 100000));
    ASSERT_EQ(changes.size(), 11u);
    if (!named(changes).empty()) ++naming;
  }
  const double alpha = 0.05, se = std::sqrt(alpha * (1 - alpha) / kPairs);
  EXPECT_LE(naming, static_cast<int>((alpha + 3 * se) * kPairs)) << naming << " of " << kPairs;
  RecordProperty("aa_pairs_naming_something", naming);
}

// The same at a stricter alpha: fewer false names, in proportion.
TEST(ProfileChanges, AaFalseNamesFollowAlpha) {
  constexpr int kPairs = 400;
  int naming = 0;
  for (std::uint32_t seed = 1; seed <= kPairs; ++seed) {
    if (!named(profile_changes(draw(kServer, 3000, seed), draw(kServer, 3000, seed + 100000), 0.01)).empty()) ++naming;
  }
  EXPECT_LE(naming, static_cast<int>((0.01 + 3 * std::sqrt(0.01 * 0.99 / kPairs)) * kPairs)) << naming;
  RecordProperty("aa_pairs_naming_something", naming);
}

TEST(ProfileChanges, TwentyPercentShiftNamesBothFunctions) {
  const std::vector<std::pair<std::string, double>> before = {{"main;work;fast_path", 0.7}, {"main;work;slow_path", 0.3}};
  const std::vector<std::pair<std::string, double>> after = {{"main;work;fast_path", 0.5}, {"main;work;slow_path", 0.5}};
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    const auto changes = profile_changes(draw(before, 1000, seed), draw(after, 1000, seed + 1000));
    auto names = named(changes);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"fast_path", "slow_path"})) << "seed " << seed;
    ASSERT_GE(changes.size(), 2u);
    // Largest first; the two moved by about 20 points in opposite directions.
    EXPECT_EQ(changes[0].self_change > 0 ? changes[0].function : changes[1].function, "slow_path");
    for (int i = 0; i < 2; ++i) {
      EXPECT_NEAR(std::abs(changes[i].self_change), 20, 6) << seed;
      EXPECT_TRUE(changes[i].self_significant);
      EXPECT_TRUE(changes[i].total_significant);
    }
  }
}

TEST(ProfileChanges, SharesAreNormalisedByEachTotal) {
  // Twice the samples at the same shares is no change at all.
  const auto changes = profile_changes(test::profile_of({{"main;a", 700}, {"main;b", 300}}),
                                       test::profile_of({{"main;a", 1400}, {"main;b", 600}}));
  for (const auto& c : changes) {
    EXPECT_DOUBLE_EQ(c.self_change, 0) << c.function;
    EXPECT_FALSE(c.significant()) << c.function;
  }
}

TEST(ProfileChanges, FunctionsOfOneSideOnly) {
  const auto changes = profile_changes(test::profile_of({{"main;a", 1000}}),
                                       test::profile_of({{"main;a", 700}, {"main;new_work", 300}}));
  const auto added = std::find_if(changes.begin(), changes.end(),
                                  [](const ShareChange& c) { return c.function == "new_work"; });
  ASSERT_NE(added, changes.end());
  EXPECT_EQ(added->base_self, 0u);
  EXPECT_DOUBLE_EQ(added->current_self_share, 0.3);
  EXPECT_NEAR(added->self_change, 30, 1e-9);
  EXPECT_TRUE(added->self_significant);
}

TEST(ProfileChanges, HolmAdjustsOverEveryShareTested) {
  // One function moved a little: significant alone (p ~ 0.01), not once
  // adjusted for the 2 x 3 shares compared.
  const auto changes = profile_changes(test::profile_of({{"main;a", 400}, {"main;b", 600}}),
                                       test::profile_of({{"main;a", 455}, {"main;b", 545}}));
  const auto a = std::find_if(changes.begin(), changes.end(), [](const ShareChange& c) { return c.function == "a"; });
  ASSERT_NE(a, changes.end());
  const double raw = two_proportion_p(400, 1000, 455, 1000);
  EXPECT_LT(raw, 0.05);
  EXPECT_GT(a->self_p, raw);
  EXPECT_FALSE(a->self_significant);
}

TEST(ProfileChanges, EmptyProfilesChangeNothing) {
  const auto changes = profile_changes(Profile{}, test::profile_of({{"main;a", 10}}));
  for (const auto& c : changes) EXPECT_FALSE(c.significant());
}

}  // namespace
}  // namespace vigil::reports
