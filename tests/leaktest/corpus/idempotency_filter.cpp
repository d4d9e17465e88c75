// Leaky: an idempotency filter that rejects replayed requests by remembering
// every request fingerprint it has seen, in an open-addressing hash set of
// its own. Entries are never expired, so the set keeps doubling its one
// table: a single block that is reallocated twice as large, ever more rarely.
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "service_loop.hpp"

namespace {

class IdempotencyFilter {
 public:
  // True when `fingerprint` was seen before (a replay).
  bool seen_before(std::uint64_t fingerprint) {
    if (fingerprint == 0) fingerprint = 1;  // 0 marks an empty slot
    if (2 * (size_ + 1) > capacity_) rehash(capacity_ == 0 ? 64 : 2 * capacity_);
    std::size_t slot = fingerprint & (capacity_ - 1);
    while (slots_[slot] != 0) {
      if (slots_[slot] == fingerprint) return true;
      slot = (slot + 1) & (capacity_ - 1);
    }
    slots_[slot] = fingerprint;
    ++size_;
    return false;
  }

 private:
  void rehash(std::size_t capacity) {
    auto fresh = std::make_unique<std::uint64_t[]>(capacity);
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (slots_[i] == 0) continue;
      std::size_t slot = slots_[i] & (capacity - 1);
      while (fresh[slot] != 0) slot = (slot + 1) & (capacity - 1);
      fresh[slot] = slots_[i];
    }
    slots_ = std::move(fresh);
    capacity_ = capacity;
  }

  std::unique_ptr<std::uint64_t[]> slots_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

IdempotencyFilter g_filter;
corpus::Random g_random(3);

std::uint64_t g_last_fingerprint = 0;

std::uint64_t fingerprint_of(std::uint64_t client, std::uint64_t sequence) {
  std::uint64_t h = client * 0x9e3779b97f4a7c15ULL ^ sequence;
  h ^= h >> 31;
  return h * 0xbf58476d1ce4e5b9ULL;
}

void handle(std::uint64_t id) {
  // One request in fifty is a client's retry of the previous request.
  const std::uint64_t fingerprint =
      g_random.below(50) == 0 ? g_last_fingerprint : fingerprint_of(g_random.below(5000), id);
  if (g_filter.seen_before(fingerprint)) return;
  g_last_fingerprint = fingerprint;
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 100}, handle); }
