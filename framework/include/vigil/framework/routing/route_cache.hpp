#pragma once
// A bounded LRU cache in front of a Router, keyed by (method, full path).
//
// Keys are compared in full; the 32-bit hash only picks the bucket. Each
// entry keeps its own copy of the path and the match as offsets into it, so
// a hit does no routing and no allocation. Misses that no route matches are
// cached too (as "no route").
//
// Two behaviours are options, for the harness to reproduce known bugs:
//   key_comparison HashOnly  an entry is found by hash alone, so a collision
//                            returns another path's route and parameters;
//   bounded false            entries are never evicted; the cache grows with
//                            every distinct path.
//
// Not thread-safe: use one cache per worker thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/routing/router.hpp"

namespace vigil::framework {

using RouteCacheHash = std::uint32_t (*)(Method method, std::string_view path);

// The default hash: fast, word-at-a-time, well mixed.
std::uint32_t default_route_cache_hash(Method method, std::string_view path);

enum class KeyComparison : std::uint8_t {
  Full,      // method and every byte of the path
  HashOnly,  // the 32-bit hash alone (a collision answers the wrong route)
};

struct RouteCacheOptions {
  std::size_t capacity = 1024;  // entries; 0 caches nothing
  KeyComparison key_comparison = KeyComparison::Full;
  bool bounded = true;  // false: never evicts, whatever the capacity
  RouteCacheHash hash = default_route_cache_hash;
};

struct CacheLookup {
  const Route* route = nullptr;  // nullptr: no route matches
  bool hit = false;
};

struct RouteCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
};

class RouteCache {
 public:
  // `router` must outlive the cache.
  explicit RouteCache(const Router& router, RouteCacheOptions options = {});
  RouteCache(const Router& router, std::size_t capacity)
      : RouteCache(router, RouteCacheOptions{.capacity = capacity}) {}

  // The match for (method, path). Parameter values view `path` after a miss
  // and the cache's own copy after a hit: valid until the next lookup() or
  // clear(), and while `path` lives.
  CacheLookup lookup(Method method, std::string_view path, Params& params);

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  const RouteCacheStats& stats() const { return stats_; }
  void clear();

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  static constexpr std::size_t kMaxPathLength = 0xffff;  // offsets are 16-bit

  struct Span16 {
    std::uint16_t offset;
    std::uint16_t length;
  };
  // A hit reads a slot of the hash table (the key's hash and its entry),
  // then the entry: its route, and the parameters' spans and the path
  // inline, when they fit (every GitHub API request does, 63% of them in
  // the entry's first cache line). The LRU order lives apart, densely
  // (Links): moving an entry to the front writes no other entry.
  struct alignas(128) Entry {
    const Route* route = nullptr;
    const std::string_view* names = nullptr;  // the route's parameter names
    std::uint16_t path_length = 0;
    Method method = Method::GET;
    std::uint8_t param_count = 0;
    // The parameters' spans (Span16 each), then the path.
    char inline_data[100];
    std::unique_ptr<char[]> spill;  // the same, when they do not fit inline

    bool fits() const { return param_count * sizeof(Span16) + path_length <= sizeof(inline_data); }
    char* data() { return fits() ? inline_data : spill.get(); }
    const char* data() const { return fits() ? inline_data : spill.get(); }
    const char* path() const { return data() + param_count * sizeof(Span16); }
  };
  static_assert(sizeof(Entry) == 128, "an entry is two cache lines");
  struct Links {
    std::uint32_t hash = 0;
    std::uint32_t lru_prev = kNone;  // toward most recently used
    std::uint32_t lru_next = kNone;  // toward least recently used
  };
  // Open addressing, linear probing, at most half full.
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t entry = kNone;  // kNone: an empty slot
  };

  std::uint32_t find(std::uint32_t hash, Method method, std::string_view path) const;
  std::uint32_t take_slot();
  void insert(std::uint32_t hash, Method method, std::string_view path, const Route* route,
              const Params& params);
  void fill_params(const Entry& e, Params& params) const;
  void lru_unlink(std::uint32_t i);
  void lru_push_front(std::uint32_t i);
  void slot_insert(std::uint32_t hash, std::uint32_t entry);
  void slot_erase(std::uint32_t entry);
  void grow_slots();

  const Router* router_;
  std::size_t capacity_;
  bool hash_only_;
  bool unbounded_;
  RouteCacheHash hash_;
  // Entries live in slabs of kSlabEntries, the capacity's worth allocated at
  // construction: an entry never moves, and a cache that grows past its
  // capacity (route-cache-unbounded) takes a slab at a time rather than
  // copying all it holds into a block twice the size.
  static constexpr std::size_t kSlabEntries = 32;
  Entry& entry(std::uint32_t i) { return slabs_[i / kSlabEntries][i % kSlabEntries]; }
  const Entry& entry(std::uint32_t i) const { return slabs_[i / kSlabEntries][i % kSlabEntries]; }

  std::vector<std::unique_ptr<Entry[]>> slabs_;
  std::vector<Links> links_;  // one per entry, by index
  std::vector<Slot> slots_;  // a power of two
  std::uint32_t lru_head_ = kNone;
  std::uint32_t lru_tail_ = kNone;
  std::size_t size_ = 0;
  RouteCacheStats stats_;
};

}  // namespace vigil::framework
