#pragma once
// EventPool recycles request contexts so a request costs no allocation.
//
// Default design: a per-thread cache (a small array, no atomics on the fast
// path) in front of a shared lock-free store of batches. A thread whose cache
// is full hands half of it to the store as one batch; a thread whose cache is
// empty takes a batch back. Both the caches and the store are bounded;
// events beyond the bounds are freed. Counters live in each thread's cache
// and are summed on read.
//
// Options reproduce known bad designs: strategy Free deletes released events
// instead of keeping them; locking OneMutex replaces the design with one
// std::mutex around a free list; reset ClearsMapsOnly leaks each event's
// context storage (see Event::reset).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "vigil/framework/pipeline/event.hpp"

namespace vigil::framework {

struct PoolCounters {
  std::uint64_t acquires = 0;
  std::uint64_t reuses = 0;             // acquires served by a recycled event
  std::uint64_t fresh_allocations = 0;  // acquires that had to construct an event
  std::uint64_t releases = 0;
  std::uint64_t frees = 0;              // released events deleted (bounds, or no-reuse)
  double reuse_ratio() const {
    return acquires == 0 ? 0.0 : static_cast<double>(reuses) / static_cast<double>(acquires);
  }
};

enum class PoolStrategy : std::uint8_t {
  Recycle,  // released events are reset and kept for the next acquire
  Free,     // released events are deleted: every acquire constructs one
};

enum class PoolLocking : std::uint8_t {
  PerThreadCaches,  // thread caches in front of a lock-free shared store
  OneMutex,         // one std::mutex around one free list
};

struct EventPoolOptions {
  std::size_t thread_cache_capacity = 64;  // events per thread cache
  std::size_t shared_batches = 64;         // batches of capacity/2 in the shared store
  std::size_t mutex_pool_capacity = 4096;  // free-list bound with OneMutex
  PoolStrategy strategy = PoolStrategy::Recycle;
  PoolLocking locking = PoolLocking::PerThreadCaches;
  EventReset reset = EventReset::FreesOwned;
};

class EventPool {
 public:
  explicit EventPool(EventPoolOptions options = {});
  ~EventPool();  // frees every cached event; all events must have been released
  EventPool(const EventPool&) = delete;
  EventPool& operator=(const EventPool&) = delete;

  // A clean event (reset), recycled when one is available.
  Event* acquire();
  // Resets `event` and keeps it for reuse (or frees it, per bounds/defects).
  void release(Event* event);

  PoolCounters counters() const;  // summed over threads
  // Events currently held for reuse (in thread caches and the shared store).
  std::size_t cached_events() const;

  const EventPoolOptions& options() const { return options_; }

  struct ThreadCache;  // implementation detail, public for the thread-local table

 private:
  ThreadCache& local_cache();
  ThreadCache& find_cache();  // slow path of local_cache()
  ThreadCache& register_thread();
  void reset_for_reuse(Event* event) const;
  Event* acquire_locked_pool();
  void release_locked_pool(Event* event);
  bool push_batch(Event* head);
  Event* pop_batch();

  EventPoolOptions options_;
  bool one_mutex_;
  bool no_reuse_;
  std::uint64_t id_;  // unique for the process lifetime, never reused
  std::size_t batch_size_;

  // Shared store: each slot holds a chain of batch_size_ events linked
  // through their pool link; exchanged whole, so there is no ABA.
  std::unique_ptr<std::atomic<Event*>[]> slots_;
  std::atomic<std::size_t> slot_hint_{0};
  std::atomic<std::size_t> batches_in_store_{0};

  mutable std::mutex registry_mutex_;
  std::vector<std::shared_ptr<ThreadCache>> caches_;

  // PoolLocking::OneMutex state.
  mutable std::mutex free_list_mutex_;
  std::vector<Event*> free_list_;
  PoolCounters locked_counters_;
};

}  // namespace vigil::framework
