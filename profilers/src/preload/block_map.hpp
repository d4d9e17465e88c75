#pragma once
// Live tracked blocks: pointer -> (bytes, blocks, site), sharded by pointer
// hash into many small open-addressing tables (linear probing, deletion by
// backward shift: no tombstones), each behind its own spin lock. When
// sampling, a free of an untracked pointer costs one relaxed load from an
// occupancy bitmap (one bit per hash bucket, 32 buckets per shard, each
// shard's word in a cache line of its own), never the shard's lock; the bucket counts behind the bits share
// the shard's cache line, so keeping them costs no extra miss. In exact mode
// nearly every free is of a tracked block, so every bucket counts as
// occupied and the bitmap is not kept.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "runtime.hpp"

namespace vigil::preload {

struct BlockInfo {
  std::uint64_t bytes;   // estimated bytes in sampling mode
  std::uint32_t site;
  std::uint32_t blocks;  // estimated blocks in sampling mode, else 1
};

struct LiveBlock {
  std::uintptr_t address;
  std::uint64_t size;    // requested size (what the scan reads)
  BlockInfo info;
};

class BlockMap {
 public:
  // Maps the first small table of every shard in one go (one mmap instead of
  // one per shard); false when memory is not available. `sparse`: few
  // blocks are tracked (sampling), so keep the occupancy bitmap and start
  // with tables small enough to stay in cache.
  bool init(bool sparse);
  void insert(std::uintptr_t p, std::uint64_t size, const BlockInfo& info);
  // False when `p` is surely not tracked (its bucket is empty): lock-free.
  // A tracked block's bit was set before malloc returned it, so any thread
  // that got the pointer from its allocating thread sees the bit.
  bool may_hold(std::uintptr_t p) const {
    const std::uint64_t h = hash(p);
    return (occupied_[h >> (64 - kShardBits)].bits.load(std::memory_order_relaxed) >> bucket_of(h)) & 1u;
  }
  // The occupancy bit of `p` (shard and bucket): pointers that share it
  // share their may_hold() answer.
  static std::uint32_t bucket_id(std::uintptr_t p) {
    const std::uint64_t h = hash(p);
    return static_cast<std::uint32_t>(h >> (64 - kShardBits)) << kBucketBits | bucket_of(h);
  }
  // Removes `p`; false when it is not tracked.
  bool remove(std::uintptr_t p, LiveBlock* out);
  // remove() that never waits (a signal handler may have interrupted this
  // very thread inside the shard's lock): Busy when the shard is locked.
  enum class Removal { Removed, Absent, Busy };
  Removal try_remove(std::uintptr_t p, LiveBlock* out);

  // For the exit scan: lock_all() stops every insert/remove until unlock_all().
  void lock_all();
  void unlock_all();
  std::size_t live_count() const;  // call with all shards locked
  // Copies live blocks (all shards locked) into out; returns how many.
  std::size_t collect(LiveBlock* out, std::size_t max) const;

 private:
  struct Entry {
    std::uintptr_t key;  // 0: empty
    std::uint64_t size;
    BlockInfo info;
  };
  static constexpr unsigned kShardBits = 10;
  static constexpr unsigned kBucketBits = 5;  // buckets per shard: one bitmap word
  static constexpr std::uint32_t kShards = 1u << kShardBits;
  static constexpr std::uint8_t kStickyCount = 255;  // a bucket this full stays occupied
  struct alignas(64) Shard {
    SpinLock lock;
    std::atomic<std::uint32_t> live{0};
    std::uint32_t capacity = 0;
    Entry* table = nullptr;
    // Live blocks per bucket (sparse maps only), saturating: a bucket that
    // reached kStickyCount keeps its bit, which only costs false positives.
    std::uint8_t bucket_live[1u << kBucketBits] = {};
  };
  static_assert(sizeof(Shard) == 64, "a shard is one cache line");

  static std::uint64_t hash(std::uintptr_t p) { return (p >> 4) * 0x9E3779B97F4A7C15ULL; }
  static unsigned bucket_of(std::uint64_t h) {
    return static_cast<unsigned>(h >> (64 - kShardBits - kBucketBits)) & ((1u << kBucketBits) - 1);
  }
  Shard& shard_of(std::uint64_t h) { return shards_[h >> (64 - kShardBits)]; }
  static std::uint32_t home(std::uintptr_t key, std::uint32_t capacity) {
    return static_cast<std::uint32_t>(hash(key)) & (capacity - 1);
  }
  // Bucket bookkeeping of one shard, under its lock (sparse maps only).
  void count_in(Shard& s, std::uint64_t h);
  void count_out(Shard& s, std::uint64_t h);
  bool grow(Shard& s);
  // remove() with the shard's lock held.
  bool remove_locked(Shard& s, std::uint64_t h, std::uintptr_t p, LiveBlock* out);
  bool in_first_tables(const Entry* table) const {
    return table >= first_tables_ && table < first_tables_ + std::size_t{kShards} * first_capacity_;
  }

  Shard shards_[kShards];
  // Word i mirrors shard i's non-empty buckets; written under its lock only.
  // One cache line each: every free reads a word, and a write (a bucket
  // filling or emptying) must not evict the other cores' copies of its
  // neighbours, or frees on those cores miss.
  struct alignas(64) OccupiedWord {
    std::atomic<std::uint32_t> bits{0};
  };
  OccupiedWord occupied_[kShards] = {};
  Entry* first_tables_ = nullptr;
  std::uint32_t first_capacity_ = 0;
  bool sparse_ = false;
};

extern BlockMap g_blocks;

}  // namespace vigil::preload
