// The preload's live-block map, compiled into the test (it is internal to
// libvigil_preload.so): lookups against a reference map through growth and
// backward-shift deletion, the lock-free occupancy test, and concurrent use.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "block_map.hpp"

namespace vpl = vigil::preload;

namespace {

std::unique_ptr<vpl::BlockMap> make_map(bool sparse) {
  auto map = std::make_unique<vpl::BlockMap>();
  if (!map->init(sparse)) return nullptr;
  return map;
}

vpl::BlockInfo info_of(std::uintptr_t p) {
  return vpl::BlockInfo{p / 16 % 1000 + 1, static_cast<std::uint32_t>(p % 7919), static_cast<std::uint32_t>(p % 5 + 1)};
}

// `n` heap-like pointers from `base` up that share base's occupancy bit.
std::vector<std::uintptr_t> pointers_sharing_a_bucket(std::uintptr_t base, std::size_t n) {
  std::vector<std::uintptr_t> same;
  const std::uint32_t target = vpl::BlockMap::bucket_id(base);
  for (std::uintptr_t p = base; same.size() < n; p += 16)
    if (vpl::BlockMap::bucket_id(p) == target) same.push_back(p);
  return same;
}

// Random churn against std::unordered_map: every remove answers exactly
// like the reference, including for pointers never inserted.
void churn_against_reference(bool sparse) {
  auto map = make_map(sparse);
  ASSERT_NE(map, nullptr);
  std::unordered_map<std::uintptr_t, std::uint64_t> live;
  std::mt19937_64 rng(sparse ? 7 : 11);
  std::vector<std::uintptr_t> keys;
  for (int step = 0; step < 200000; ++step) {
    // Mostly clustered addresses (like a heap), some far apart.
    const std::uintptr_t p = (rng() % 4 == 0 ? 0x7f0000000000ULL + (rng() % (1ULL << 30)) * 16
                                             : 0x555500000000ULL + (rng() % 60000) * 16);
    const bool grow_phase = step < 100000;
    if (rng() % 100 < (grow_phase ? 70u : 30u) && !live.count(p)) {
      map->insert(p, p % 4096, info_of(p));
      live.emplace(p, p % 4096);
      keys.push_back(p);
    } else {
      vpl::LiveBlock out{};
      const bool found = map->remove(p, &out);
      ASSERT_EQ(found, live.count(p) == 1) << std::hex << p;
      if (found) {
        EXPECT_EQ(out.address, p);
        EXPECT_EQ(out.size, live.at(p));
        EXPECT_EQ(out.info.bytes, info_of(p).bytes);
        EXPECT_EQ(out.info.site, info_of(p).site);
        EXPECT_EQ(out.info.blocks, info_of(p).blocks);
        live.erase(p);
      }
    }
  }
  for (const auto& [p, size] : live) ASSERT_TRUE(map->may_hold(p)) << std::hex << p;
  map->lock_all();
  ASSERT_EQ(map->live_count(), live.size());
  std::vector<vpl::LiveBlock> blocks(live.size() + 1);
  const std::size_t n = map->collect(blocks.data(), blocks.size());
  map->unlock_all();
  ASSERT_EQ(n, live.size());
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(live.count(blocks[i].address), 1u);
    EXPECT_EQ(blocks[i].size, live.at(blocks[i].address));
  }
  // Emptied again: in a sparse map every bit is clear, so frees of
  // untracked pointers never take a lock.
  for (const auto& [p, size] : live) {
    vpl::LiveBlock out{};
    ASSERT_TRUE(map->remove(p, &out));
  }
  for (std::uintptr_t p : keys) EXPECT_EQ(map->may_hold(p), !sparse) << std::hex << p;
}

}  // namespace

TEST(BlockMap, SparseMapAnswersLikeAReferenceMap) { churn_against_reference(true); }

TEST(BlockMap, DenseMapAnswersLikeAReferenceMap) { churn_against_reference(false); }

// 300 pointers in one bucket: its 8-bit count saturates and the bit stays
// set for good (false positives only, never a missed tracked block).
TEST(BlockMap, CrowdedBucketStaysOccupied) {
  auto map = make_map(true);
  ASSERT_NE(map, nullptr);
  const std::vector<std::uintptr_t> same = pointers_sharing_a_bucket(0x600000000000ULL, 300);
  for (std::uintptr_t p : same) map->insert(p, 8, info_of(p));
  for (std::uintptr_t p : same) ASSERT_TRUE(map->may_hold(p));
  vpl::LiveBlock out{};
  for (std::size_t i = 0; i + 1 < same.size(); ++i) ASSERT_TRUE(map->remove(same[i], &out));
  EXPECT_TRUE(map->may_hold(same.back()));
  ASSERT_TRUE(map->remove(same.back(), &out));
  EXPECT_FALSE(map->remove(same.back(), &out));
  EXPECT_TRUE(map->may_hold(same.front()));  // sticky
}

TEST(BlockMap, FewBlocksInABucketClearItsBit) {
  auto map = make_map(true);
  ASSERT_NE(map, nullptr);
  const std::vector<std::uintptr_t> same = pointers_sharing_a_bucket(0x610000000000ULL, 3);
  EXPECT_FALSE(map->may_hold(same[0]));
  for (std::uintptr_t p : same) map->insert(p, 8, info_of(p));
  vpl::LiveBlock out{};
  ASSERT_TRUE(map->remove(same[0], &out));
  ASSERT_TRUE(map->remove(same[1], &out));
  EXPECT_TRUE(map->may_hold(same[2]));
  ASSERT_TRUE(map->remove(same[2], &out));
  EXPECT_FALSE(map->may_hold(same[2]));
}

// Two threads insert, hand half their blocks to the other to remove, and
// check may_hold on what the other inserted (the allocation/free pattern
// of a program that passes blocks between threads).
TEST(BlockMap, ConcurrentInsertAndCrossThreadRemove) {
  for (const bool sparse : {true, false}) {
    auto map = make_map(sparse);
    ASSERT_NE(map, nullptr);
    constexpr int kPerThread = 20000;
    std::vector<std::atomic<std::uintptr_t>> handed(2 * kPerThread);
    std::atomic<int> removed_by_other{0}, missed{0};
    auto worker = [&](int id) {
      const std::uintptr_t base = 0x500000000000ULL + static_cast<std::uintptr_t>(id) * (1ULL << 32);
      for (int i = 0; i < kPerThread; ++i) {
        const std::uintptr_t p = base + static_cast<std::uintptr_t>(i) * 48;
        map->insert(p, 32, info_of(p));
        handed[static_cast<std::size_t>(id * kPerThread + i)].store(p, std::memory_order_release);
        if (i % 2 == 0) {  // removes its own
          vpl::LiveBlock out{};
          if (!map->remove(p, &out)) missed.fetch_add(1);
        }
        // Removes an odd block the other thread already published.
        const std::size_t other = static_cast<std::size_t>((1 - id) * kPerThread + i);
        const std::uintptr_t q = (i % 2 == 1) ? handed[other].load(std::memory_order_acquire) : 0;
        if (q != 0 && handed[other].exchange(0, std::memory_order_acq_rel) == q) {
          vpl::LiveBlock out{};
          if (!map->may_hold(q) || !map->remove(q, &out)) missed.fetch_add(1);
          removed_by_other.fetch_add(1);
        }
      }
    };
    std::thread a(worker, 0), b(worker, 1);
    a.join();
    b.join();
    EXPECT_EQ(missed.load(), 0);
    // The odd blocks nobody took are still there, and only they.
    std::size_t left = 0;
    for (std::size_t i = 0; i < handed.size(); ++i) {
      const std::uintptr_t p = handed[i].load();
      if (i % 2 == 1 && p != 0) {
        vpl::LiveBlock out{};
        EXPECT_TRUE(map->remove(p, &out));
        ++left;
      }
    }
    EXPECT_EQ(left + static_cast<std::size_t>(removed_by_other.load()), static_cast<std::size_t>(kPerThread));
    map->lock_all();
    EXPECT_EQ(map->live_count(), 0u);
    map->unlock_all();
  }
}
