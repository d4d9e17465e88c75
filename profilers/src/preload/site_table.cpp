#include "site_table.hpp"

#include <cstring>
#include <new>

namespace vigil::preload {

SiteTable g_sites;

namespace {

// Stacks are a few words: an inline loop beats a call to memcmp.
bool same_frames(const std::uintptr_t* a, const std::uintptr_t* b, unsigned n) {
  for (unsigned i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

}  // namespace

bool SiteTable::init(unsigned max_depth) {
  stride_ = (sizeof(Record) + max_depth * sizeof(std::uintptr_t) + 63) / 64 * 64;
  slots_ = static_cast<Slot*>(map_memory(sizeof(Slot) * kSlots));
  records_ = static_cast<char*>(map_memory(stride_ * kMaxSites));
  if (!slots_ || !records_) return false;
  // Zeroed mmap memory is a valid state for these atomics; site 0 is ready
  // with no frames.
  new (record(0)) Record();
  record(0)->ready.store(1, std::memory_order_release);
  return true;
}

std::uint32_t SiteTable::intern(const std::uintptr_t* frames, unsigned depth, std::uint64_t hash) {
  if (depth == 0) return 0;
  const std::uint64_t key = hash | 1;  // 0 marks an empty slot
  std::uint32_t i = static_cast<std::uint32_t>(key) & (kSlots - 1);
  for (std::uint32_t probes = 0; probes < kSlots; ++probes, i = (i + 1) & (kSlots - 1)) {
    Slot& slot = slots_[i];
    std::uint64_t seen = slot.hash.load(std::memory_order_acquire);
    if (seen == 0) {
      if (slot.hash.compare_exchange_strong(seen, key, std::memory_order_acq_rel)) {
        std::uint32_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
        if (id >= kMaxSites) {
          id = 0;
        } else {
          Record* r = new (record(id)) Record();
          r->depth = depth;
          std::memcpy(record_frames(id), frames, depth * sizeof(std::uintptr_t));
          r->ready.store(1, std::memory_order_release);
        }
        slot.id_plus_one.store(id + 1, std::memory_order_release);
        return id;
      }
      // Lost the race: `seen` now holds the winner's key.
    }
    if (seen != key) continue;
    std::uint32_t id_plus_one;
    while ((id_plus_one = slot.id_plus_one.load(std::memory_order_acquire)) == 0) __builtin_ia32_pause();
    const std::uint32_t id = id_plus_one - 1;
    if (id == 0) return 0;
    if (record(id)->depth == depth && same_frames(record_frames(id), frames, depth)) return id;
  }
  return 0;
}

std::uint32_t SiteTable::site_count() const {
  const std::uint32_t n = next_id_.load(std::memory_order_acquire);
  return n < kMaxSites ? n : kMaxSites;
}

bool SiteTable::ready(std::uint32_t site) const {
  return site < kMaxSites && record(site)->ready.load(std::memory_order_acquire) != 0;
}

SiteTotals SiteTable::totals(std::uint32_t site) const {
  SiteTotals t;
  for (const Stripe& s : record(site)->stripes) {
    t.live_bytes += s.live_bytes.load(std::memory_order_relaxed);
    t.live_blocks += s.live_blocks.load(std::memory_order_relaxed);
    t.total_bytes += s.total_bytes.load(std::memory_order_relaxed);
    t.total_blocks += s.total_blocks.load(std::memory_order_relaxed);
  }
  return t;
}

const std::uintptr_t* SiteTable::frames(std::uint32_t site, unsigned* depth) const {
  *depth = record(site)->depth;
  return record_frames(site);
}

}  // namespace vigil::preload
