#include "vigil/profilers/site_growth.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::profilers {
namespace {

constexpr std::size_t kSeriesCycles = 100;
constexpr double kRunLiveBytes = 1'000'000;

GrowthOptions options() {
  GrowthOptions o;
  o.warmup = 5;
  return o;
}

std::vector<double> make(auto f) {
  std::vector<double> ys(kSeriesCycles);
  for (std::size_t i = 0; i < kSeriesCycles; ++i) ys[i] = f(static_cast<double>(i));
  return ys;
}

SiteJudgement judge(const std::vector<double>& bytes, const std::vector<double>& blocks,
                    double run_live_bytes = kRunLiveBytes) {
  return judge_site(bytes, blocks, run_live_bytes, options());
}

TEST(SiteGrowth, ManySmallBlocksAreALeakInBlocks) {
  const SiteJudgement j = judge(make([](double i) { return 192 * (i + 1); }), make([](double i) { return i + 1; }));
  EXPECT_EQ(j.outcome, SiteOutcome::Leak);
  EXPECT_TRUE(j.in_blocks);
  EXPECT_EQ(j.shape, GrowthShape::Steady);
}

TEST(SiteGrowth, OneBlockReallocatedLargerIsALeakInBytes) {
  const SiteJudgement j = judge(make([](double i) { return 512 * (i + 1); }), make([](double) { return 1.0; }));
  EXPECT_EQ(j.outcome, SiteOutcome::Leak);
  EXPECT_FALSE(j.in_blocks);
  EXPECT_EQ(j.shape, GrowthShape::Steady);
  EXPECT_GT(j.drift, 10);
}

TEST(SiteGrowth, OneBufferDoublingIsALeakInBytes) {
  const auto bytes = make([](double i) { return 32 * std::exp2(std::ceil(std::log2(100 * (i + 1)))); });
  const SiteJudgement j = judge(bytes, make([](double) { return 1.0; }));
  EXPECT_EQ(j.outcome, SiteOutcome::Leak);
  EXPECT_EQ(j.shape, GrowthShape::Doubling);
}

TEST(SiteGrowth, ChunksThatDoubleOneBlockAtATimeAreALeakInBytes) {
  // An arena never reset, 400 bytes a cycle, its chunks doubling from 1 KiB:
  // one more block each time, ever further apart.
  const auto chunks = [](double i) { return std::floor(std::log2((400 * (i + 1)) / 1024 + 1)) + 1; };
  const SiteJudgement j = judge(make([&](double i) { return 1024 * (std::exp2(chunks(i)) - 1); }), make(chunks));
  EXPECT_EQ(j.blocks.shape, GrowthShape::TooShort);
  EXPECT_EQ(j.outcome, SiteOutcome::Leak);
  EXPECT_FALSE(j.in_blocks);
  EXPECT_EQ(j.shape, GrowthShape::Doubling);
}

TEST(SiteGrowth, BoundedKeysGettingACharacterLongerAreDrift) {
  // 512 key strings of a full LRU; ids grow by 2000 a cycle, so keys gain a
  // character as ids pass 10^4 and 10^5, the cache turning over in ~3 cycles.
  const auto bytes = make([](double i) {
    const double id = 2000 * (i + 1);
    return 512 * (14 + std::floor(std::log10(id)));
  });
  const SiteJudgement j = judge(bytes, make([](double) { return 512.0; }));
  EXPECT_EQ(j.outcome, SiteOutcome::Clean);
  EXPECT_EQ(j.shape, GrowthShape::Drift) << to_string(j.bytes.shape);
  EXPECT_LT(j.drift, 0.1);
}

TEST(SiteGrowth, KeysDriftingUpEveryFewCyclesAreDrift) {
  // The LRU: a few bytes now and then, under half the cycles.
  const auto bytes = make([](double i) { return 8'000 + 3 * std::floor(i * 0.45); });
  const SiteJudgement j = judge(bytes, make([](double) { return 256.0; }));
  EXPECT_EQ(j.outcome, SiteOutcome::Clean);
  EXPECT_EQ(j.shape, GrowthShape::Drift);
  EXPECT_TRUE(j.bytes.growing);  // the bytes alone do rise steadily: the blocks are what tell
}

TEST(SiteGrowth, ACacheThatFilledThenDriftsIsDrift) {
  // Blocks fill to 400 by cycle 20, then the sizes creep up by a byte a cycle.
  const auto blocks = make([](double i) { return std::min(400.0, 20 * (i + 1)); });
  const auto bytes = make([](double i) { return 64 * std::min(400.0, 20 * (i + 1)) + (i > 20 ? i - 20 : 0); });
  const SiteJudgement j = judge(bytes, blocks);
  EXPECT_EQ(j.outcome, SiteOutcome::Clean);
  EXPECT_EQ(j.blocks.shape, GrowthShape::Stopped);
}

TEST(SiteGrowth, OneRiseMidRunIsTooShortToTell) {
  const auto bytes = make([](double i) { return i < 50 ? 16384.0 : 32768.0; });
  const auto blocks = make([](double i) { return i < 50 ? 1.0 : 2.0; });
  const SiteJudgement j = judge(bytes, blocks);
  EXPECT_EQ(j.outcome, SiteOutcome::TooShort);
  EXPECT_EQ(j.shape, GrowthShape::TooShort);
}

TEST(SiteGrowth, TwoBuffersReallocatedOnceEachAreTooShortToTellNotChunksOnTheBeat) {
  // A response body and the string it is swapped with, each doubled once by
  // a bigger body (cycles 40 and 75): alike and on the beat, but no block
  // was added, so these are not an arena's chunks.
  const auto bytes = make([](double i) { return 8192.0 * (1 + (i >= 40) + (i >= 75)); });
  const auto two_blocks = make([](double) { return 2.0; });
  const SiteJudgement j = judge(bytes, two_blocks);
  EXPECT_EQ(j.bytes.shape, GrowthShape::Steps);  // the bytes alone read as two chunks on the beat
  EXPECT_EQ(j.outcome, SiteOutcome::TooShort);
  // The same bytes with a block added at each rise are an arena's chunks.
  const auto chunks = make([](double i) { return 1.0 + (i >= 40) + (i >= 75); });
  EXPECT_EQ(judge(bytes, chunks).outcome, SiteOutcome::Leak);
}

TEST(SiteGrowth, OneRiseThatDoubledTheSiteIsTooShortToTellHoweverSmallAgainstTheRun) {
  // An arena never reset, 1 KiB held from the start, a 2 KiB block taken mid-run.
  const auto bytes = make([](double i) { return i < 60 ? 1024.0 : 3072.0; });
  const auto blocks = make([](double i) { return i < 60 ? 1.0 : 2.0; });
  EXPECT_EQ(judge(bytes, blocks, 400'000).outcome, SiteOutcome::TooShort);
  // Growing by a tenth of what it held, the same rise is slight.
  const auto crept = make([](double i) { return i < 60 ? 10240.0 : 11264.0; });
  EXPECT_EQ(judge(crept, blocks, 400'000).shape, GrowthShape::Slight);
}

TEST(SiteGrowth, AFewRisesHoldingASliverOfTheRunAreSlight) {
  // A deque's map reallocated three times in the run, 144 bytes each.
  const auto bytes = make([](double i) { return 144 * std::floor((i + 20) / 30); });
  const auto blocks = make([](double i) { return std::floor((i + 20) / 30); });
  EXPECT_EQ(judge(bytes, blocks, 60'000).shape, GrowthShape::Slight);
  // The same rises holding a quarter of the run's memory are a leak.
  EXPECT_EQ(judge(bytes, blocks, 2'000).outcome, SiteOutcome::Leak);
}

TEST(SiteGrowth, APoolMeetingABiggerBurstNowAndThenIsSlight) {
  // 65 buffers of 4 KiB, then a record burst takes 6, 2 and 1 more.
  const auto blocks = make([](double i) { return 65.0 + (i >= 20 ? 6 : 0) + (i >= 43 ? 2 : 0) + (i >= 90 ? 1 : 0); });
  const auto bytes = make([&](double i) { return 4096 * blocks[static_cast<std::size_t>(i)]; });
  const SiteJudgement j = judge(bytes, blocks, 300'000);
  EXPECT_EQ(j.outcome, SiteOutcome::Clean);
  EXPECT_EQ(j.shape, GrowthShape::Slight);
}

TEST(SiteGrowth, ASawtoothOfBlocksIsClean) {
  const auto blocks = make([](double i) { return std::fmod(i * 150, 1000); });
  const auto bytes = make([&](double i) { return 90 * blocks[static_cast<std::size_t>(i)]; });
  EXPECT_EQ(judge(bytes, blocks).outcome, SiteOutcome::Clean);
}

}  // namespace
}  // namespace vigil::profilers
