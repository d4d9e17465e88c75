#include "block_map.hpp"

namespace vigil::preload {

BlockMap g_blocks;

bool BlockMap::init(bool sparse) {
  if (sparse) {
    bucket_live_ = static_cast<BucketCounts*>(map_memory(sizeof(BucketCounts) * kShards));
    if (!bucket_live_) return false;
  } else {
    for (auto& word : occupied_) word.store(~std::uint64_t{0}, std::memory_order_relaxed);
  }
  first_tables_ = static_cast<Entry*>(map_memory(sizeof(Entry) * kShards * kFirstCapacity));
  return first_tables_ != nullptr;
}

bool BlockMap::grow(Shard& s) {
  if (s.capacity == 0) {
    s.table = first_tables_ + static_cast<std::size_t>(&s - shards_) * kFirstCapacity;
    s.capacity = kFirstCapacity;
    return true;
  }
  const std::uint32_t live = s.live.load(std::memory_order_relaxed);
  std::uint32_t capacity = 256;
  while (capacity < live * 4) capacity *= 2;
  auto* table = static_cast<Entry*>(map_memory(sizeof(Entry) * capacity));
  if (!table) return false;
  for (std::uint32_t i = 0; i < s.capacity; ++i) {
    const Entry& e = s.table[i];
    if (e.key <= 1) continue;
    std::uint32_t j = static_cast<std::uint32_t>(hash(e.key)) & (capacity - 1);
    while (table[j].key != 0) j = (j + 1) & (capacity - 1);
    table[j] = e;
  }
  if (!in_first_tables(s.table)) unmap_memory(s.table, sizeof(Entry) * s.capacity);
  s.table = table;
  s.capacity = capacity;
  s.used = live;
  return true;
}

void BlockMap::count_in(Shard& s, std::uint64_t h) {
  const unsigned b = bucket_of(h);
  if (bucket_live_[&s - shards_][b]++ == 0) {
    std::atomic<std::uint64_t>& word = occupied_[&s - shards_];
    word.store(word.load(std::memory_order_relaxed) | (std::uint64_t{1} << b), std::memory_order_relaxed);
  }
}

void BlockMap::count_out(Shard& s, std::uint64_t h) {
  const unsigned b = bucket_of(h);
  if (--bucket_live_[&s - shards_][b] == 0) {
    std::atomic<std::uint64_t>& word = occupied_[&s - shards_];
    word.store(word.load(std::memory_order_relaxed) & ~(std::uint64_t{1} << b), std::memory_order_relaxed);
  }
}

void BlockMap::insert(std::uintptr_t p, std::uint64_t size, const BlockInfo& info) {
  const std::uint64_t h = hash(p);
  Shard& s = shard_of(h);
  s.lock.lock();
  if ((s.used + 1) * 4 > s.capacity * 3 && !grow(s)) {
    s.lock.unlock();  // out of memory for the table: the block stays untracked
    return;
  }
  std::uint32_t i = static_cast<std::uint32_t>(h) & (s.capacity - 1);
  while (s.table[i].key > 1) i = (i + 1) & (s.capacity - 1);
  if (s.table[i].key == 0) ++s.used;
  s.table[i] = Entry{p, size, info};
  if (bucket_live_) count_in(s, h);
  // Written under the lock only; atomic for the lock-free readers.
  s.live.store(s.live.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  s.lock.unlock();
}

bool BlockMap::remove(std::uintptr_t p, LiveBlock* out) {
  const std::uint64_t h = hash(p);
  Shard& s = shard_of(h);
  if (s.live.load(std::memory_order_relaxed) == 0) return false;
  s.lock.lock();
  bool found = false;
  if (s.capacity != 0) {
    std::uint32_t i = static_cast<std::uint32_t>(h) & (s.capacity - 1);
    for (std::uint32_t probes = 0; probes < s.capacity && s.table[i].key != 0;
         ++probes, i = (i + 1) & (s.capacity - 1)) {
      if (s.table[i].key == p) {
        *out = LiveBlock{p, s.table[i].size, s.table[i].info};
        s.table[i].key = 1;
        if (bucket_live_) count_out(s, h);
        s.live.store(s.live.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
        found = true;
        break;
      }
    }
  }
  s.lock.unlock();
  return found;
}

void BlockMap::lock_all() {
  for (Shard& s : shards_) s.lock.lock();
}

void BlockMap::unlock_all() {
  for (Shard& s : shards_) s.lock.unlock();
}

std::size_t BlockMap::live_count() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) n += s.live.load(std::memory_order_relaxed);
  return n;
}

std::size_t BlockMap::collect(LiveBlock* out, std::size_t max) const {
  std::size_t n = 0;
  for (const Shard& s : shards_)
    for (std::uint32_t i = 0; i < s.capacity && n < max; ++i)
      if (s.table[i].key > 1) out[n++] = LiveBlock{s.table[i].key, s.table[i].size, s.table[i].info};
  return n;
}

}  // namespace vigil::preload
