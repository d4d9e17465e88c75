#pragma once
// Allocation sites: stacks interned into dense ids by a lock-free
// open-addressing table (hash of the stack -> id, full compare on hit), with
// per-site counters striped over a few cache lines so that threads
// allocating from the same site do not fight over one line (and a thread
// that owns its stripe updates it without locked instructions).
// Site 0 stands for "unknown": a stack that could not be captured or did not
// fit (table full).

#include <atomic>
#include <cstdint>

#include "runtime.hpp"

namespace vigil::preload {

struct SiteTotals {
  std::int64_t live_bytes = 0, live_blocks = 0;
  std::uint64_t total_bytes = 0, total_blocks = 0;
};

class SiteTable {
 public:
  static constexpr std::uint32_t kMaxSites = 1u << 17;

  // Maps the tables (lazily backed); false when memory is not available.
  bool init(unsigned max_depth);

  std::uint32_t intern(const std::uintptr_t* frames, unsigned depth, std::uint64_t hash);

  void on_alloc(std::uint32_t site, unsigned stripe, std::uint64_t bytes, std::uint64_t blocks) {
    Stripe& s = record(site)->stripes[stripe];
    const bool shared = stripe == kSharedStripe;
    add(s.live_bytes, static_cast<std::int64_t>(bytes), shared);
    add(s.live_blocks, static_cast<std::int64_t>(blocks), shared);
    add(s.total_bytes, bytes, shared);
    add(s.total_blocks, blocks, shared);
  }
  void on_free(std::uint32_t site, unsigned stripe, std::uint64_t bytes, std::uint64_t blocks) {
    Stripe& s = record(site)->stripes[stripe];
    const bool shared = stripe == kSharedStripe;
    add(s.live_bytes, -static_cast<std::int64_t>(bytes), shared);
    add(s.live_blocks, -static_cast<std::int64_t>(blocks), shared);
  }

  // Undoes on_free (a failed realloc keeps its old block).
  void add_live(std::uint32_t site, unsigned stripe, std::uint64_t bytes, std::uint64_t blocks) {
    Stripe& s = record(site)->stripes[stripe];
    const bool shared = stripe == kSharedStripe;
    add(s.live_bytes, static_cast<std::int64_t>(bytes), shared);
    add(s.live_blocks, static_cast<std::int64_t>(blocks), shared);
  }

  // Sites with ids below the returned bound may exist; check ready().
  std::uint32_t site_count() const;
  bool ready(std::uint32_t site) const;
  SiteTotals totals(std::uint32_t site) const;
  // Frames of a ready site.
  const std::uintptr_t* frames(std::uint32_t site, unsigned* depth) const;

 private:
  struct alignas(64) Stripe {
    std::atomic<std::int64_t> live_bytes{0}, live_blocks{0};
    std::atomic<std::uint64_t> total_bytes{0}, total_blocks{0};
  };
  struct alignas(64) Record {
    Stripe stripes[kStripes];
    std::atomic<std::uint32_t> ready{0};
    std::uint32_t depth = 0;
    // frames follow the record (stride_ bytes per record)
  };
  struct Slot {
    std::atomic<std::uint64_t> hash{0};
    std::atomic<std::uint32_t> id_plus_one{0};
  };

  // An owned stripe has one writer: a plain add, still atomic for readers.
  template <typename T>
  static void add(std::atomic<T>& counter, T v, bool shared) {
    if (shared) {
      counter.fetch_add(v, std::memory_order_relaxed);
    } else {
      counter.store(counter.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
    }
  }

  Record* record(std::uint32_t site) const {
    return reinterpret_cast<Record*>(records_ + static_cast<std::size_t>(site) * stride_);
  }
  std::uintptr_t* record_frames(std::uint32_t site) const {
    return reinterpret_cast<std::uintptr_t*>(record(site) + 1);
  }

  static constexpr std::uint32_t kSlots = 1u << 18;
  Slot* slots_ = nullptr;
  char* records_ = nullptr;
  std::size_t stride_ = 0;
  std::atomic<std::uint32_t> next_id_{1};
};

extern SiteTable g_sites;

}  // namespace vigil::preload
