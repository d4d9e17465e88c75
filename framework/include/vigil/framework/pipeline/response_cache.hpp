#pragma once
// The response cache: string keys (request paths, say) to string values
// (rendered bodies) with a TTL, tags for group invalidation, glob-pattern
// invalidation over keys, and a bound on entries (least recently used
// evicted first). Thread-safe (one mutex).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vigil::framework {

struct ResponseCacheCounters {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;      // removed to respect the capacity
  std::uint64_t expirations = 0;    // removed because their TTL passed
  std::uint64_t invalidations = 0;  // removed by tag, pattern or erase
};

class ResponseCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Duration = Clock::duration;

  explicit ResponseCache(std::size_t capacity = 1024);

  // Inserts or replaces. A ttl of zero or less means "never expires".
  void put(std::string_view key, std::string_view value, Duration ttl,
           const std::vector<std::string>& tags = {}, Clock::time_point now = Clock::now());
  std::optional<std::string> get(std::string_view key, Clock::time_point now = Clock::now());
  // As get(), into `out` (replaced): a hit allocates nothing once `out` has
  // grown to the value's size. False on a miss (`out` untouched).
  bool get_into(std::string_view key, std::string& out, Clock::time_point now = Clock::now());
  bool erase(std::string_view key);

  // Removes every entry carrying `tag`; returns how many.
  std::size_t invalidate_tag(std::string_view tag);
  // Removes every key matching the glob (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`,
  // `\` escapes); returns how many.
  std::size_t invalidate_pattern(std::string_view glob);
  // Drops expired entries now (get() also drops them lazily).
  std::size_t purge_expired(Clock::time_point now = Clock::now());

  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }
  ResponseCacheCounters counters() const;

 private:
  struct Entry {
    std::string key;
    std::string value;
    std::vector<std::string> tags;
    std::optional<Clock::time_point> expires;
  };
  using List = std::list<Entry>;  // most recently used first
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  void remove_locked(List::iterator it);
  // Removes every entry `matches` holds true for; returns how many.
  template <class Predicate>
  std::size_t remove_where_locked(Predicate matches);
  // The live entry for `key` (most recently used from now on), or nullptr;
  // counts the hit or the miss, and drops the entry if it has expired.
  const Entry* find_locked(std::string_view key, Clock::time_point now);

  std::size_t capacity_;
  mutable std::mutex mutex_;
  List lru_;
  std::unordered_map<std::string_view, List::iterator, KeyHash> index_;  // views into lru_ keys
  std::unordered_map<std::string, std::vector<std::string_view>, KeyHash, std::equal_to<>> by_tag_;
  ResponseCacheCounters counters_;
};

// Shell-style glob match of a whole string: `*`, `?`, bracket sets, `\`.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace vigil::framework
