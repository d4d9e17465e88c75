// The CPU sampler's store: samples kept whole and in order per thread, a
// chunk per thread, drops counted when the pool is exhausted, reset.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <thread>
#include <vector>

#include "sample_store.hpp"

namespace {

using vigil::sampling::SampleStore;

struct Stored {
  std::vector<std::uintptr_t> frames;
  std::uint64_t weight;
};

std::vector<Stored> stored(const SampleStore& store) {
  std::vector<Stored> out;
  store.for_each([&](const std::uintptr_t* frames, unsigned n, std::uint64_t weight) {
    out.push_back(Stored{std::vector<std::uintptr_t>(frames, frames + n), weight});
  });
  return out;
}

TEST(SampleStore, KeepsEverySampleWithItsWeight) {
  SampleStore store;
  ASSERT_TRUE(store.init(4));
  const std::uintptr_t a[] = {0x1001, 0x2002, 0x3003}, b[] = {0x4004};
  EXPECT_TRUE(store.append(a, 3));
  EXPECT_TRUE(store.append(b, 1, 7));
  const auto out = stored(store);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].frames, std::vector<std::uintptr_t>(a, a + 3));
  EXPECT_EQ(out[0].weight, 1u);
  EXPECT_EQ(out[1].frames, std::vector<std::uintptr_t>(b, b + 1));
  EXPECT_EQ(out[1].weight, 7u);
  EXPECT_EQ(store.samples(), 2u);
  EXPECT_EQ(store.threads(), 1u);
  EXPECT_EQ(store.dropped(), 0u);
}

TEST(SampleStore, GivesEachThreadItsOwnChunks) {
  SampleStore store;
  ASSERT_TRUE(store.init(64));
  constexpr int kThreads = 4, kSamples = 5000;  // more than one chunk each
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&store, t] {
      for (int i = 0; i < kSamples; ++i) {
        const std::uintptr_t frames[] = {static_cast<std::uintptr_t>(t), static_cast<std::uintptr_t>(i), 0, 0, 0};
        store.append(frames, 5);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(store.threads(), static_cast<std::uint64_t>(kThreads));
  EXPECT_EQ(store.dropped(), 0u);
  // Each thread's samples, whole and in the order it wrote them.
  std::map<std::uintptr_t, std::uintptr_t> next;
  for (const auto& s : stored(store)) {
    ASSERT_EQ(s.frames.size(), 5u);
    EXPECT_EQ(s.frames[1], next[s.frames[0]]++);
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[static_cast<std::uintptr_t>(t)], static_cast<std::uintptr_t>(kSamples));
}

TEST(SampleStore, CountsWhatDoesNotFitAndStartsAfreshAfterReset) {
  SampleStore store;
  ASSERT_TRUE(store.init(1));
  std::vector<std::uintptr_t> frames(100, 0x1234);
  std::uint64_t kept = 0;
  for (int i = 0; i < 1000; ++i) kept += store.append(frames.data(), 100) ? 1 : 0;
  EXPECT_EQ(kept, SampleStore::kChunkWords / 101);
  EXPECT_EQ(store.dropped(), 1000 - kept);
  EXPECT_EQ(stored(store).size(), kept);
  store.reset();
  EXPECT_EQ(store.samples(), 0u);
  EXPECT_EQ(store.dropped(), 0u);
  EXPECT_TRUE(stored(store).empty());
  EXPECT_TRUE(store.append(frames.data(), 100));
  EXPECT_EQ(store.threads(), 1u);
  EXPECT_EQ(stored(store).size(), 1u);
}

}  // namespace
