#include "vigil/framework/routing/route_cache.hpp"

#include "word_ops.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace vigil::framework {
namespace {

std::size_t slot_count_for(std::size_t capacity) {
  return std::bit_ceil(std::max<std::size_t>(2 * capacity, 16));
}

constexpr std::uint64_t kA = 0x9E3779B97F4A7C15ULL;
constexpr std::uint64_t kB = 0xD6E8FEB86659FD93ULL;
constexpr std::uint64_t kC = 0xBF58476D1CE4E5B9ULL;
constexpr std::uint64_t kD = 0x94D049BB133111EBULL;

}  // namespace

// 16 bytes per multiply, and no chain from one block to the next, so the
// multiplies of a path overlap; the last block overlaps the one before
// instead of a byte loop.
std::uint32_t default_route_cache_hash(Method method, std::string_view path) {
  const char* p = path.data();
  const std::size_t n = path.size();
  std::uint64_t sum = (static_cast<std::uint64_t>(n) << 8) ^ static_cast<std::uint64_t>(method);
  if (n >= 16) {
    for (std::size_t i = 0; i + 16 < n; i += 16) {
      sum += fold_multiply(load_word(p + i) ^ (kA + i), load_word(p + i + 8) ^ kB);
    }
    sum += fold_multiply(load_word(p + n - 16) ^ kC, load_word(p + n - 8) ^ kD);
  } else if (n >= 8) {
    sum += fold_multiply(load_word(p) ^ kA, load_word(p + n - 8) ^ kB);
  } else if (n >= 4) {
    sum += fold_multiply(load_half(p) ^ kA, load_half(p + n - 4) ^ kB);
  } else if (n > 0) {
    const auto byte = [p](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
    sum += fold_multiply((byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16) ^ kA, kB);
  }
  const std::uint64_t h = fold_multiply(sum ^ kC, kD);
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

RouteCache::RouteCache(const Router& router, RouteCacheOptions options)
    : router_(&router),
      capacity_(options.capacity),
      hash_only_(options.key_comparison == KeyComparison::HashOnly),
      unbounded_(!options.bounded),
      hash_(options.hash),
      slots_(slot_count_for(options.capacity)) {
  // Entries for the whole capacity up front, as the table above: filling the
  // cache then allocates nothing, and only an unbounded one takes more.
  const std::size_t slabs = (capacity_ + kSlabEntries - 1) / kSlabEntries;
  slabs_.reserve(slabs);
  for (std::size_t i = 0; i < slabs; ++i) slabs_.push_back(std::make_unique<Entry[]>(kSlabEntries));
  links_.reserve(capacity_);
}

CacheLookup RouteCache::lookup(Method method, std::string_view path, Params& params) {
  if (path.size() > kMaxPathLength || capacity_ == 0) {
    ++stats_.misses;
    return {router_->match(method, path, params), false};
  }
  const std::uint32_t h = hash_(method, path);
  const std::uint32_t i = find(h, method, path);
  if (i != kNone) {
    ++stats_.hits;
    if (i != lru_head_) {
      lru_unlink(i);
      lru_push_front(i);
    }
    const Entry& e = entry(i);
    fill_params(e, params);
    return {e.route, true};
  }
  ++stats_.misses;
  const Route* route = router_->match(method, path, params);
  insert(h, method, path, route, params);
  return {route, false};
}

void RouteCache::clear() {
  for (std::uint32_t i = 0; i < links_.size(); ++i) entry(i).spill.reset();
  links_.clear();
  std::fill(slots_.begin(), slots_.end(), Slot{});
  lru_head_ = lru_tail_ = kNone;
  size_ = 0;
}

std::uint32_t RouteCache::find(std::uint32_t hash, Method method, std::string_view path) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
    const Slot slot = slots_[s];
    if (slot.entry == kNone) return kNone;
    if (slot.hash != hash) continue;
    // KeyComparison::HashOnly (the route-cache-hash-only bug): the hash is taken for the key.
    if (hash_only_) return slot.entry;
    const Entry& e = entry(slot.entry);
    if (e.method == method && e.path_length == path.size() && same_bytes(e.path(), path.data(), path.size())) {
      return slot.entry;
    }
  }
}

std::uint32_t RouteCache::take_slot() {
  if (unbounded_ || size_ < capacity_) {
    const auto i = static_cast<std::uint32_t>(links_.size());
    if (i / kSlabEntries == slabs_.size()) slabs_.push_back(std::make_unique<Entry[]>(kSlabEntries));
    links_.emplace_back();
    return i;
  }
  const std::uint32_t victim = lru_tail_;
  lru_unlink(victim);
  slot_erase(victim);
  --size_;
  ++stats_.evictions;
  return victim;
}

void RouteCache::insert(std::uint32_t hash, Method method, std::string_view path,
                        const Route* route, const Params& params) {
  const std::uint32_t i = take_slot();
  Entry& e = entry(i);
  const bool had_spill = !e.fits();  // read before the new key: a spill is on the entry's second line
  e.method = method;
  e.route = route;
  e.names = route == nullptr ? nullptr : route->param_names.data();
  e.path_length = static_cast<std::uint16_t>(path.size());
  e.param_count = static_cast<std::uint8_t>(params.size());
  const std::size_t spans = params.size() * sizeof(Span16);
  if (e.fits()) {
    if (had_spill) e.spill.reset();
  } else {
    e.spill = std::make_unique_for_overwrite<char[]>(spans + path.size());
  }
  char* data = e.data();
  for (std::size_t k = 0; k < params.size(); ++k) {
    const Span16 span{static_cast<std::uint16_t>(params[k].value.data() - path.data()),
                      static_cast<std::uint16_t>(params[k].value.size())};
    std::memcpy(data + k * sizeof(Span16), &span, sizeof(Span16));
  }
  std::memcpy(data + spans, path.data(), path.size());
  links_[i].hash = hash;
  lru_push_front(i);
  ++size_;
  if (2 * size_ > slots_.size()) {
    grow_slots();  // takes every entry, this one too
  } else {
    slot_insert(hash, i);
  }
}

void RouteCache::fill_params(const Entry& e, Params& params) const {
  params.clear();
  const char* data = e.data();
  const char* path = data + e.param_count * sizeof(Span16);
  for (std::size_t k = 0; k < e.param_count; ++k) {
    Span16 span;
    std::memcpy(&span, data + k * sizeof(Span16), sizeof(Span16));
    params.push(e.names[k], {path + span.offset, span.length});
  }
}

void RouteCache::lru_unlink(std::uint32_t i) {
  Links& e = links_[i];
  if (e.lru_prev != kNone) links_[e.lru_prev].lru_next = e.lru_next;
  else lru_head_ = e.lru_next;
  if (e.lru_next != kNone) links_[e.lru_next].lru_prev = e.lru_prev;
  else lru_tail_ = e.lru_prev;
  e.lru_prev = e.lru_next = kNone;
}

void RouteCache::lru_push_front(std::uint32_t i) {
  Links& e = links_[i];
  e.lru_prev = kNone;
  e.lru_next = lru_head_;
  if (lru_head_ != kNone) links_[lru_head_].lru_prev = i;
  lru_head_ = i;
  if (lru_tail_ == kNone) lru_tail_ = i;
}

void RouteCache::slot_insert(std::uint32_t hash, std::uint32_t entry) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t s = hash & mask;
  while (slots_[s].entry != kNone) s = (s + 1) & mask;
  slots_[s] = {hash, entry};
}

// Empties the entry's slot and moves later slots of the run back into the
// gap where their probe would otherwise stop short of them (no tombstones).
void RouteCache::slot_erase(std::uint32_t entry) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t gap = links_[entry].hash & mask;
  while (slots_[gap].entry != entry) gap = (gap + 1) & mask;
  for (std::size_t s = (gap + 1) & mask; slots_[s].entry != kNone; s = (s + 1) & mask) {
    const std::size_t home = slots_[s].hash & mask;
    // Probing from `home` reaches `s` through the gap: fill it.
    if (((s - home) & mask) >= ((s - gap) & mask)) {
      slots_[gap] = slots_[s];
      gap = s;
    }
  }
  slots_[gap] = Slot{};
}

// Only the unbounded cache outgrows its table.
void RouteCache::grow_slots() {
  slots_.assign(slots_.size() * 2, Slot{});
  for (std::uint32_t i = 0; i < links_.size(); ++i) slot_insert(links_[i].hash, i);
}

}  // namespace vigil::framework
