#include "block_map.hpp"

namespace vigil::preload {

BlockMap g_blocks;

bool BlockMap::init(bool sparse) {
  sparse_ = sparse;
  if (!sparse)
    for (auto& word : occupied_) word.bits.store(~std::uint32_t{0}, std::memory_order_relaxed);
  first_capacity_ = sparse ? 8 : 64;
  first_tables_ = static_cast<Entry*>(map_memory(sizeof(Entry) * kShards * first_capacity_));
  return first_tables_ != nullptr;
}

bool BlockMap::grow(Shard& s) {
  if (s.capacity == 0) {
    s.table = first_tables_ + static_cast<std::size_t>(&s - shards_) * first_capacity_;
    s.capacity = first_capacity_;
    return true;
  }
  const std::uint32_t capacity = s.capacity < 256 ? 256 : s.capacity * 2;
  auto* table = static_cast<Entry*>(map_memory(sizeof(Entry) * capacity));
  if (!table) return false;
  for (std::uint32_t i = 0; i < s.capacity; ++i) {
    const Entry& e = s.table[i];
    if (e.key == 0) continue;
    std::uint32_t j = home(e.key, capacity);
    while (table[j].key != 0) j = (j + 1) & (capacity - 1);
    table[j] = e;
  }
  if (!in_first_tables(s.table)) unmap_memory(s.table, sizeof(Entry) * s.capacity);
  s.table = table;
  s.capacity = capacity;
  return true;
}

void BlockMap::count_in(Shard& s, std::uint64_t h) {
  std::uint8_t& count = s.bucket_live[bucket_of(h)];
  if (count == kStickyCount) return;
  if (count++ == 0) {
    std::atomic<std::uint32_t>& word = occupied_[&s - shards_].bits;
    word.store(word.load(std::memory_order_relaxed) | (1u << bucket_of(h)), std::memory_order_relaxed);
  }
}

void BlockMap::count_out(Shard& s, std::uint64_t h) {
  std::uint8_t& count = s.bucket_live[bucket_of(h)];
  if (count == kStickyCount) return;
  if (--count == 0) {
    std::atomic<std::uint32_t>& word = occupied_[&s - shards_].bits;
    word.store(word.load(std::memory_order_relaxed) & ~(1u << bucket_of(h)), std::memory_order_relaxed);
  }
}

void BlockMap::insert(std::uintptr_t p, std::uint64_t size, const BlockInfo& info) {
  const std::uint64_t h = hash(p);
  Shard& s = shard_of(h);
  s.lock.lock();
  const std::uint32_t live = s.live.load(std::memory_order_relaxed);
  if ((live + 1) * 4 > s.capacity * 3 && !grow(s)) {
    s.lock.unlock();  // out of memory for the table: the block stays untracked
    return;
  }
  std::uint32_t i = static_cast<std::uint32_t>(h) & (s.capacity - 1);
  while (s.table[i].key != 0) i = (i + 1) & (s.capacity - 1);
  s.table[i] = Entry{p, size, info};
  if (sparse_) count_in(s, h);
  // Written under the lock only; atomic for the lock-free readers.
  s.live.store(live + 1, std::memory_order_relaxed);
  s.lock.unlock();
}

bool BlockMap::remove_locked(Shard& s, std::uint64_t h, std::uintptr_t p, LiveBlock* out) {
  if (s.capacity == 0) return false;
  const std::uint32_t mask = s.capacity - 1;
  std::uint32_t i = static_cast<std::uint32_t>(h) & mask;
  while (s.table[i].key != 0 && s.table[i].key != p) i = (i + 1) & mask;
  if (s.table[i].key != p) return false;
  *out = LiveBlock{p, s.table[i].size, s.table[i].info};
  // Backward shift: pull later entries of the run into the hole unless
  // their home lies cyclically in (hole, their slot].
  for (std::uint32_t j = (i + 1) & mask; s.table[j].key != 0; j = (j + 1) & mask) {
    const std::uint32_t k = home(s.table[j].key, s.capacity);
    if (((j - k) & mask) >= ((j - i) & mask)) {
      s.table[i] = s.table[j];
      i = j;
    }
  }
  s.table[i].key = 0;
  if (sparse_) count_out(s, h);
  s.live.store(s.live.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  return true;
}

bool BlockMap::remove(std::uintptr_t p, LiveBlock* out) {
  const std::uint64_t h = hash(p);
  Shard& s = shard_of(h);
  if (s.live.load(std::memory_order_relaxed) == 0) return false;
  s.lock.lock();
  const bool found = remove_locked(s, h, p, out);
  s.lock.unlock();
  return found;
}

BlockMap::Removal BlockMap::try_remove(std::uintptr_t p, LiveBlock* out) {
  const std::uint64_t h = hash(p);
  Shard& s = shard_of(h);
  if (s.live.load(std::memory_order_relaxed) == 0) return Removal::Absent;
  if (!s.lock.try_lock()) return Removal::Busy;
  const bool found = remove_locked(s, h, p, out);
  s.lock.unlock();
  return found ? Removal::Removed : Removal::Absent;
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
      if (s.table[i].key != 0) out[n++] = LiveBlock{s.table[i].key, s.table[i].size, s.table[i].info};
  return n;
}

}  // namespace vigil::preload
