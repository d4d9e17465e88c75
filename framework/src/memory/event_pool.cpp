#include "vigil/framework/memory/event_pool.hpp"

#include <array>
#include <stdexcept>

namespace vigil::framework {

// One thread's cache of free events. The events array and the counters are
// written only by the owning thread; counters and `count` are relaxed atomics
// (plain moves on x86) so counters()/cached_events() may read them from any
// thread. Ownership passes between threads through `owned` (release/acquire).
struct EventPool::ThreadCache {
  explicit ThreadCache(std::size_t capacity) : events(capacity, nullptr) {}

  static void bump(std::atomic<std::uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  std::size_t size() const { return count.load(std::memory_order_relaxed); }
  void set_size(std::size_t n) { count.store(n, std::memory_order_relaxed); }

  std::vector<Event*> events;
  std::atomic<std::size_t> count{0};
  std::atomic<std::uint64_t> acquires{0}, reuses{0}, fresh{0}, releases{0}, frees{0};
  std::atomic<bool> owned{true};  // false once its thread let go of it
};

namespace {

std::atomic<std::uint64_t> g_next_pool_id{1};

// This thread's caches, one per pool it used recently. The table holds a
// share of each cache so a cache outlives its pool while a stale slot still
// names it; pool ids are never reused, so a stale slot never matches again.
struct LocalTable {
  static constexpr std::size_t kSlots = 8;
  struct Slot {
    std::uint64_t pool_id = 0;
    std::shared_ptr<EventPool::ThreadCache> cache;
  };
  std::array<Slot, kSlots> slots;
  std::size_t next_victim = 0;
  ~LocalTable();
};

LocalTable& local_table() {
  thread_local LocalTable table;
  return table;
}

// The fast path: the pool this thread used last (trivial thread_locals, so
// no TLS guard on access).
thread_local std::uint64_t t_last_pool_id = 0;
thread_local EventPool::ThreadCache* t_last_cache = nullptr;

LocalTable::~LocalTable() {
  t_last_pool_id = 0;
  t_last_cache = nullptr;
  for (auto& slot : slots) {
    if (slot.cache) slot.cache->owned.store(false, std::memory_order_release);
  }
}

}  // namespace

EventPool::EventPool(EventPoolOptions options)
    : options_(options),
      one_mutex_(options.locking == PoolLocking::OneMutex),
      no_reuse_(options.strategy == PoolStrategy::Free),
      id_(g_next_pool_id.fetch_add(1, std::memory_order_relaxed)),
      batch_size_(options.thread_cache_capacity / 2) {
  if (options_.thread_cache_capacity < 2) throw std::invalid_argument("EventPool: thread cache capacity below 2");
  if (options_.shared_batches == 0) throw std::invalid_argument("EventPool: no shared batches");
  slots_ = std::make_unique<std::atomic<Event*>[]>(options_.shared_batches);
  for (std::size_t i = 0; i < options_.shared_batches; ++i) slots_[i].store(nullptr, std::memory_order_relaxed);
  if (one_mutex_) free_list_.reserve(options_.mutex_pool_capacity);
}

EventPool::~EventPool() {
  std::lock_guard lock(registry_mutex_);
  for (auto& cache : caches_) {
    // Pairs with the release of a thread letting go of its cache, so the
    // events it left are seen whole.
    (void)cache->owned.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < cache->size(); ++i) delete cache->events[i];
    cache->set_size(0);
  }
  for (std::size_t i = 0; i < options_.shared_batches; ++i) {
    Event* e = slots_[i].exchange(nullptr, std::memory_order_acquire);
    while (e != nullptr) {
      Event* next = e->pool_next_;
      delete e;
      e = next;
    }
  }
  for (Event* e : free_list_) delete e;
}

inline EventPool::ThreadCache& EventPool::local_cache() {
  if (t_last_pool_id == id_) [[likely]] return *t_last_cache;
  return find_cache();
}

EventPool::ThreadCache& EventPool::find_cache() {
  LocalTable& table = local_table();
  for (auto& slot : table.slots) {
    if (slot.pool_id == id_) {
      t_last_pool_id = id_;
      t_last_cache = slot.cache.get();
      return *slot.cache;
    }
  }
  return register_thread();
}

EventPool::ThreadCache& EventPool::register_thread() {
  std::shared_ptr<ThreadCache> cache;
  {
    std::lock_guard lock(registry_mutex_);
    // Adopt a cache some thread let go of (thread exit, table eviction), so
    // the number of caches stays bounded by the threads in use at once.
    for (auto& candidate : caches_) {
      bool expected = false;
      if (candidate->owned.load(std::memory_order_relaxed) == false &&
          candidate->owned.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
        cache = candidate;
        break;
      }
    }
    if (!cache) {
      cache = std::make_shared<ThreadCache>(options_.thread_cache_capacity);
      caches_.push_back(cache);
    }
  }
  LocalTable& table = local_table();
  LocalTable::Slot* slot = nullptr;
  for (auto& s : table.slots) {
    if (!s.cache) {
      slot = &s;
      break;
    }
  }
  if (slot == nullptr) {
    slot = &table.slots[table.next_victim];
    table.next_victim = (table.next_victim + 1) % LocalTable::kSlots;
    slot->cache->owned.store(false, std::memory_order_release);
  }
  slot->pool_id = id_;
  slot->cache = cache;
  t_last_pool_id = id_;
  t_last_cache = cache.get();
  return *cache;
}

void EventPool::reset_for_reuse(Event* event) const { event->reset(options_.reset); }

Event* EventPool::acquire() {
  if (one_mutex_) [[unlikely]] return acquire_locked_pool();
  ThreadCache& cache = local_cache();
  ThreadCache::bump(cache.acquires);
  if (!no_reuse_) [[likely]] {
    std::size_t n = cache.size();
    if (n == 0) {
      for (Event* e = pop_batch(); e != nullptr; e = e->pool_next_) cache.events[n++] = e;
    }
    if (n > 0) {
      ThreadCache::bump(cache.reuses);
      cache.set_size(n - 1);
      return cache.events[n - 1];
    }
  }
  ThreadCache::bump(cache.fresh);
  return new Event();
}

void EventPool::release(Event* event) {
  if (event == nullptr) return;
  if (one_mutex_) [[unlikely]] {
    release_locked_pool(event);
    return;
  }
  ThreadCache& cache = local_cache();
  ThreadCache::bump(cache.releases);
  if (no_reuse_) [[unlikely]] {
    ThreadCache::bump(cache.frees);
    delete event;
    return;
  }
  reset_for_reuse(event);
  std::size_t n = cache.size();
  if (n == cache.events.size()) [[unlikely]] {
    // Full: hand the older half to the shared store as one chain.
    Event* head = nullptr;
    for (std::size_t i = 0; i < batch_size_; ++i) {
      cache.events[i]->pool_next_ = head;
      head = cache.events[i];
    }
    if (!push_batch(head)) {
      while (head != nullptr) {
        Event* next = head->pool_next_;
        delete head;
        ThreadCache::bump(cache.frees);
        head = next;
      }
    }
    for (std::size_t i = batch_size_; i < n; ++i) cache.events[i - batch_size_] = cache.events[i];
    n -= batch_size_;
  }
  cache.events[n] = event;
  cache.set_size(n + 1);
}

bool EventPool::push_batch(Event* head) {
  const std::size_t slots = options_.shared_batches;
  const std::size_t start = slot_hint_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < slots; ++i) {
    const std::size_t at = (start + i) % slots;
    Event* expected = nullptr;
    if (slots_[at].load(std::memory_order_relaxed) == nullptr &&
        slots_[at].compare_exchange_strong(expected, head, std::memory_order_release,
                                           std::memory_order_relaxed)) {
      slot_hint_.store(at, std::memory_order_relaxed);
      batches_in_store_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

Event* EventPool::pop_batch() {
  if (batches_in_store_.load(std::memory_order_relaxed) == 0) return nullptr;
  const std::size_t slots = options_.shared_batches;
  const std::size_t start = slot_hint_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < slots; ++i) {
    const std::size_t at = (start + i) % slots;
    if (slots_[at].load(std::memory_order_relaxed) == nullptr) continue;
    if (Event* head = slots_[at].exchange(nullptr, std::memory_order_acquire)) {
      slot_hint_.store(at, std::memory_order_relaxed);
      batches_in_store_.fetch_sub(1, std::memory_order_relaxed);
      return head;
    }
  }
  return nullptr;
}

Event* EventPool::acquire_locked_pool() {
  {
    std::lock_guard lock(free_list_mutex_);
    ++locked_counters_.acquires;
    if (!no_reuse_ && !free_list_.empty()) {
      ++locked_counters_.reuses;
      Event* e = free_list_.back();
      free_list_.pop_back();
      return e;
    }
    ++locked_counters_.fresh_allocations;
  }
  return new Event();
}

void EventPool::release_locked_pool(Event* event) {
  {
    // As naive pools do, the event is reset under the one lock too.
    std::lock_guard lock(free_list_mutex_);
    reset_for_reuse(event);
    ++locked_counters_.releases;
    if (!no_reuse_ && free_list_.size() < options_.mutex_pool_capacity) {
      free_list_.push_back(event);
      return;
    }
    ++locked_counters_.frees;
  }
  delete event;
}

PoolCounters EventPool::counters() const {
  PoolCounters sum;
  {
    std::lock_guard lock(registry_mutex_);
    for (const auto& cache : caches_) {
      sum.acquires += cache->acquires.load(std::memory_order_relaxed);
      sum.reuses += cache->reuses.load(std::memory_order_relaxed);
      sum.fresh_allocations += cache->fresh.load(std::memory_order_relaxed);
      sum.releases += cache->releases.load(std::memory_order_relaxed);
      sum.frees += cache->frees.load(std::memory_order_relaxed);
    }
  }
  std::lock_guard lock(free_list_mutex_);
  sum.acquires += locked_counters_.acquires;
  sum.reuses += locked_counters_.reuses;
  sum.fresh_allocations += locked_counters_.fresh_allocations;
  sum.releases += locked_counters_.releases;
  sum.frees += locked_counters_.frees;
  return sum;
}

std::size_t EventPool::cached_events() const {
  std::size_t n = batches_in_store_.load(std::memory_order_relaxed) * batch_size_;
  {
    std::lock_guard lock(registry_mutex_);
    for (const auto& cache : caches_) n += cache->size();
  }
  std::lock_guard lock(free_list_mutex_);
  return n + free_list_.size();
}

}  // namespace vigil::framework
