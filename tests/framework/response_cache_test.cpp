#include "vigil/framework/pipeline/response_cache.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::framework {
namespace {

using namespace std::chrono_literals;
using Clock = ResponseCache::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1h;

TEST(ResponseCache, PutGetAndReplace) {
  ResponseCache cache(8);
  cache.put("user:1", "alice", 0s, {}, t0);
  EXPECT_EQ(cache.get("user:1", t0), "alice");
  cache.put("user:1", "alicia", 0s, {}, t0);
  EXPECT_EQ(cache.get("user:1", t0), "alicia");
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_FALSE(cache.get("user:2", t0).has_value());
  const auto c = cache.counters();
  EXPECT_EQ(c.hits, 2u);
  EXPECT_EQ(c.misses, 1u);
}

TEST(ResponseCache, EntriesExpireAfterTheirTtl) {
  ResponseCache cache(8);
  cache.put("short", "v", 10s, {}, t0);
  cache.put("forever", "v", 0s, {}, t0);
  EXPECT_TRUE(cache.get("short", t0 + 9s).has_value());
  EXPECT_FALSE(cache.get("short", t0 + 10s).has_value());
  EXPECT_TRUE(cache.get("forever", t0 + 1000h).has_value());
  EXPECT_EQ(cache.counters().expirations, 1u);
  cache.put("a", "v", 1s, {}, t0);
  cache.put("b", "v", 1s, {}, t0);
  EXPECT_EQ(cache.purge_expired(t0 + 2s), 2u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ResponseCache, EvictsTheLeastRecentlyUsedBeyondCapacity) {
  ResponseCache cache(3);
  cache.put("a", "1", 0s, {}, t0);
  cache.put("b", "2", 0s, {}, t0);
  cache.put("c", "3", 0s, {}, t0);
  EXPECT_TRUE(cache.get("a", t0).has_value());  // a becomes most recent
  cache.put("d", "4", 0s, {}, t0);               // evicts b
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.get("b", t0).has_value());
  EXPECT_TRUE(cache.get("a", t0).has_value());
  EXPECT_TRUE(cache.get("c", t0).has_value());
  EXPECT_TRUE(cache.get("d", t0).has_value());
  EXPECT_EQ(cache.counters().evictions, 1u);
  for (int i = 0; i < 100; ++i) cache.put("k" + std::to_string(i), "v", 0s, {}, t0);
  EXPECT_EQ(cache.size(), 3u);
}

TEST(ResponseCache, InvalidatesByTag) {
  ResponseCache cache(16);
  cache.put("user:1", "a", 0s, {"users", "team:red"}, t0);
  cache.put("user:2", "b", 0s, {"users"}, t0);
  cache.put("repo:1", "c", 0s, {"repos", "team:red"}, t0);
  EXPECT_EQ(cache.invalidate_tag("team:red"), 2u);
  EXPECT_FALSE(cache.get("user:1", t0).has_value());
  EXPECT_FALSE(cache.get("repo:1", t0).has_value());
  EXPECT_TRUE(cache.get("user:2", t0).has_value());
  EXPECT_EQ(cache.invalidate_tag("team:red"), 0u);
  EXPECT_EQ(cache.invalidate_tag("users"), 1u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ResponseCache, ReplacingAnEntryDropsItsOldTags) {
  ResponseCache cache(16);
  cache.put("k", "v1", 0s, {"old"}, t0);
  cache.put("k", "v2", 0s, {"new"}, t0);
  EXPECT_EQ(cache.invalidate_tag("old"), 0u);
  EXPECT_EQ(cache.invalidate_tag("new"), 1u);
}

TEST(ResponseCache, GetIntoReplacesTheOutputOnAHitOnly) {
  ResponseCache cache(8);
  cache.put("/json", "{\"a\":1}", 10s, {"static"}, t0);
  std::string out = "stale";
  EXPECT_TRUE(cache.get_into("/json", out, t0));
  EXPECT_EQ(out, "{\"a\":1}");
  EXPECT_FALSE(cache.get_into("/other", out, t0));
  EXPECT_FALSE(cache.get_into("/json", out, t0 + 10s));  // expired: dropped
  EXPECT_EQ(out, "{\"a\":1}");
  EXPECT_EQ(cache.size(), 0u);
  const auto c = cache.counters();
  EXPECT_EQ(c.hits, 1u);
  EXPECT_EQ(c.misses, 2u);
  EXPECT_EQ(c.expirations, 1u);
}

TEST(ResponseCache, InvalidatesByGlobPattern) {
  ResponseCache cache(16);
  for (const char* key : {"user:1:profile", "user:2:profile", "user:1:repos", "org:1:profile"}) {
    cache.put(key, "v", 0s, {"t"}, t0);
  }
  EXPECT_EQ(cache.invalidate_pattern("user:*:profile"), 2u);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.get("user:1:repos", t0).has_value());
  EXPECT_EQ(cache.invalidate_pattern("*"), 2u);
  EXPECT_EQ(cache.invalidate_tag("t"), 0u);  // tag lists were kept in step
}

TEST(GlobMatch, Cases) {
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
  EXPECT_TRUE(glob_match("user:?", "user:7"));
  EXPECT_FALSE(glob_match("user:?", "user:77"));
  EXPECT_TRUE(glob_match("v[0-9]", "v7"));
  EXPECT_FALSE(glob_match("v[0-9]", "vx"));
  EXPECT_TRUE(glob_match("v[!0-9]", "vx"));
  EXPECT_TRUE(glob_match("[abc]*", "cat"));
  EXPECT_TRUE(glob_match("a\\*", "a*"));
  EXPECT_FALSE(glob_match("a\\*", "ab"));
  EXPECT_TRUE(glob_match("[]]", "]"));
  EXPECT_TRUE(glob_match("a[", "a["));  // unterminated set: literal '['
  EXPECT_TRUE(glob_match("*a*a*a*a*a*b", std::string(30, 'a') + "b"));
  EXPECT_FALSE(glob_match("*a*a*a*a*a*b", std::string(30, 'a')));
}

TEST(ResponseCache, IsThreadSafe) {
  ResponseCache cache(64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string key = "k" + std::to_string((i + t) % 100);
        cache.put(key, "v", 1s, {"tag" + std::to_string(i % 3)});
        (void)cache.get(key);
        if (i % 50 == 0) cache.invalidate_tag("tag1");
        if (i % 70 == 0) cache.invalidate_pattern("k1*");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace
}  // namespace vigil::framework
