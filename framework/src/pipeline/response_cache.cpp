#include "vigil/framework/pipeline/response_cache.hpp"

#include <algorithm>

namespace vigil::framework {

namespace {

// Matches a bracket set at pattern[i] ('[' already seen at i) against c.
// Returns the index after ']' and whether c matched; npos when unterminated
// (the '[' is then a literal).
std::size_t match_set(std::string_view p, std::size_t i, char c, bool& matched) {
  std::size_t j = i + 1;
  bool negate = false;
  if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
    negate = true;
    ++j;
  }
  bool hit = false;
  bool first = true;
  while (j < p.size() && (p[j] != ']' || first)) {
    first = false;
    char lo = p[j];
    if (lo == '\\' && j + 1 < p.size()) lo = p[++j];
    char hi = lo;
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      hi = p[j + 2];
      if (hi == '\\' && j + 3 < p.size()) {
        hi = p[j + 3];
        ++j;
      }
      j += 2;
    }
    if (c >= lo && c <= hi) hit = true;
    ++j;
  }
  if (j >= p.size()) return std::string_view::npos;
  matched = hit != negate;
  return j + 1;
}

}  // namespace

bool glob_match(std::string_view p, std::string_view t) {
  // Iterative matcher with one backtrack point (the last '*'): linear in
  // practice, O(|p|*|t|) worst case, no recursion.
  std::size_t pi = 0, ti = 0;
  std::size_t star = std::string_view::npos, star_t = 0;
  while (ti < t.size()) {
    if (pi < p.size()) {
      const char pc = p[pi];
      if (pc == '*') {
        star = pi++;
        star_t = ti;
        continue;
      }
      if (pc == '?') {
        ++pi;
        ++ti;
        continue;
      }
      if (pc == '[') {
        bool matched = false;
        const std::size_t after = match_set(p, pi, t[ti], matched);
        if (after != std::string_view::npos) {
          if (matched) {
            pi = after;
            ++ti;
            continue;
          }
        } else if (t[ti] == '[') {
          ++pi;
          ++ti;
          continue;
        }
      } else {
        char literal = pc;
        std::size_t width = 1;
        if (pc == '\\' && pi + 1 < p.size()) {
          literal = p[pi + 1];
          width = 2;
        }
        if (literal == t[ti]) {
          pi += width;
          ++ti;
          continue;
        }
      }
    }
    if (star == std::string_view::npos) return false;
    pi = star + 1;
    ti = ++star_t;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

ResponseCache::ResponseCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

void ResponseCache::remove_locked(List::iterator it) {
  for (const auto& tag : it->tags) {
    auto t = by_tag_.find(tag);
    if (t == by_tag_.end()) continue;
    auto& keys = t->second;
    keys.erase(std::remove(keys.begin(), keys.end(), std::string_view(it->key)), keys.end());
    if (keys.empty()) by_tag_.erase(t);
  }
  index_.erase(std::string_view(it->key));
  lru_.erase(it);
}

void ResponseCache::put(std::string_view key, std::string_view value, Duration ttl,
                   const std::vector<std::string>& tags, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (auto found = index_.find(key); found != index_.end()) remove_locked(found->second);
  while (lru_.size() >= capacity_) {
    remove_locked(std::prev(lru_.end()));
    ++counters_.evictions;
  }
  Entry entry;
  entry.key.assign(key);
  entry.value.assign(value);
  for (const auto& tag : tags) {
    if (std::find(entry.tags.begin(), entry.tags.end(), tag) == entry.tags.end()) entry.tags.push_back(tag);
  }
  if (ttl > Duration::zero()) entry.expires = now + ttl;
  lru_.push_front(std::move(entry));
  const auto it = lru_.begin();
  const std::string_view stored_key(it->key);  // stable: list nodes do not move
  index_.emplace(stored_key, it);
  for (const auto& tag : it->tags) {
    auto t = by_tag_.find(tag);
    if (t == by_tag_.end()) t = by_tag_.emplace(tag, std::vector<std::string_view>{}).first;
    t->second.push_back(stored_key);
  }
}

const ResponseCache::Entry* ResponseCache::find_locked(std::string_view key, Clock::time_point now) {
  auto found = index_.find(key);
  if (found == index_.end()) {
    ++counters_.misses;
    return nullptr;
  }
  auto it = found->second;
  if (it->expires && *it->expires <= now) {
    remove_locked(it);
    ++counters_.expirations;
    ++counters_.misses;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it);
  ++counters_.hits;
  return &*it;
}

std::optional<std::string> ResponseCache::get(std::string_view key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const Entry* e = find_locked(key, now);
  if (e == nullptr) return std::nullopt;
  return e->value;
}

bool ResponseCache::get_into(std::string_view key, std::string& out, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const Entry* e = find_locked(key, now);
  if (e == nullptr) return false;
  out.assign(e->value);
  return true;
}

bool ResponseCache::erase(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto found = index_.find(key);
  if (found == index_.end()) return false;
  remove_locked(found->second);
  ++counters_.invalidations;
  return true;
}

std::size_t ResponseCache::invalidate_tag(std::string_view tag) {
  std::lock_guard lock(mutex_);
  auto t = by_tag_.find(tag);
  if (t == by_tag_.end()) return 0;
  // Copy: remove_locked edits the tag's key list.
  const std::vector<std::string_view> keys = t->second;
  std::size_t removed = 0;
  for (const auto key : keys) {
    auto found = index_.find(key);
    if (found == index_.end()) continue;
    remove_locked(found->second);
    ++removed;
  }
  counters_.invalidations += removed;
  return removed;
}

template <class Predicate>
std::size_t ResponseCache::remove_where_locked(Predicate matches) {
  std::size_t removed = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (matches(*it)) {
      remove_locked(it);
      ++removed;
    }
    it = next;
  }
  return removed;
}

std::size_t ResponseCache::invalidate_pattern(std::string_view glob) {
  std::lock_guard lock(mutex_);
  const std::size_t removed = remove_where_locked([&](const Entry& e) { return glob_match(glob, e.key); });
  counters_.invalidations += removed;
  return removed;
}

std::size_t ResponseCache::purge_expired(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const std::size_t removed = remove_where_locked([&](const Entry& e) { return e.expires && *e.expires <= now; });
  counters_.expirations += removed;
  return removed;
}

std::size_t ResponseCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

ResponseCacheCounters ResponseCache::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace vigil::framework
