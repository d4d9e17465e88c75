#include "vigil/framework/routing/route_cache.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "counting_new.hpp"

namespace vigil::framework {
namespace {

std::uint32_t same_hash_for_all(Method, std::string_view) { return 42; }

Router make_router() {
  Router router;
  EXPECT_FALSE(router.add(Method::GET, "/users/:id", 0));
  EXPECT_FALSE(router.add(Method::GET, "/repos/:owner/:repo", 1));
  EXPECT_FALSE(router.add(Method::POST, "/users/:id", 2));
  EXPECT_FALSE(router.add(Method::GET, "/static/*file", 3));
  return router;
}

TEST(RouteCache, HitReturnsTheSameMatchAsTheRouter) {
  const Router router = make_router();
  RouteCache cache(router, 8);
  Params p;
  auto first = cache.lookup(Method::GET, "/repos/octo/hello", p);
  ASSERT_NE(first.route, nullptr);
  EXPECT_FALSE(first.hit);
  EXPECT_EQ(first.route->id, 1u);
  EXPECT_EQ(p.get("repo"), "hello");

  const std::string path = "/repos/octo/hello";
  auto second = cache.lookup(Method::GET, path, p);
  EXPECT_TRUE(second.hit);
  EXPECT_EQ(second.route, first.route);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.get("owner"), "octo");
  EXPECT_EQ(p.get("repo"), "hello");
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(RouteCache, KeysTooLongForTheEntryAreKeptApartAndFreedOnReuse) {
  // 20 parameters and a path of over 100 bytes: more than an entry holds.
  std::string pattern = "/long", path = "/long";
  for (int i = 0; i < 20; ++i) {
    pattern += "/:p" + std::to_string(i);
    path += "/value-" + std::to_string(i);
  }
  Router router;
  ASSERT_FALSE(router.add(Method::GET, pattern, 0));
  ASSERT_FALSE(router.add(Method::GET, "/users/:id", 1));
  RouteCache cache(router, 1);  // every miss reuses the one entry
  Params expected, p;
  ASSERT_NE(router.match(Method::GET, path, expected), nullptr);
  for (const std::string& request : {path, std::string("/users/7"), path, path, std::string("/users/8")}) {
    const Route* want = router.match(Method::GET, request, expected);
    const auto got = cache.lookup(Method::GET, request, p);
    ASSERT_EQ(got.route, want) << request;
    ASSERT_EQ(p.size(), expected.size()) << request;
    for (std::size_t i = 0; i < p.size(); ++i) {
      EXPECT_EQ(p[i].name, expected[i].name) << request;
      EXPECT_EQ(p[i].value, expected[i].value) << request;
    }
  }
  EXPECT_EQ(cache.stats().hits, 1u);  // the second long path in a row
  EXPECT_EQ(cache.stats().evictions, 3u);
}

TEST(RouteCache, KeysIncludeTheMethodAndCacheMissingRoutes) {
  const Router router = make_router();
  RouteCache cache(router, 8);
  Params p;
  EXPECT_EQ(cache.lookup(Method::GET, "/users/1", p).route->id, 0u);
  EXPECT_EQ(cache.lookup(Method::POST, "/users/1", p).route->id, 2u);
  EXPECT_FALSE(cache.lookup(Method::POST, "/users/1", p).route == nullptr);
  auto none = cache.lookup(Method::DELETE, "/users/1", p);
  EXPECT_EQ(none.route, nullptr);
  auto none_again = cache.lookup(Method::DELETE, "/users/1", p);
  EXPECT_EQ(none_again.route, nullptr);
  EXPECT_TRUE(none_again.hit);
  EXPECT_TRUE(p.empty());
}

TEST(RouteCache, EvictsTheLeastRecentlyUsed) {
  const Router router = make_router();
  RouteCache cache(router, 3);
  Params p;
  cache.lookup(Method::GET, "/users/1", p);
  cache.lookup(Method::GET, "/users/2", p);
  cache.lookup(Method::GET, "/users/3", p);
  EXPECT_TRUE(cache.lookup(Method::GET, "/users/1", p).hit);  // 1 is now most recent
  cache.lookup(Method::GET, "/users/4", p);                    // evicts 2
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.lookup(Method::GET, "/users/1", p).hit);
  EXPECT_TRUE(cache.lookup(Method::GET, "/users/3", p).hit);
  EXPECT_TRUE(cache.lookup(Method::GET, "/users/4", p).hit);
  EXPECT_FALSE(cache.lookup(Method::GET, "/users/2", p).hit);  // evicts 1 (oldest)
  EXPECT_FALSE(cache.lookup(Method::GET, "/users/1", p).hit);
  EXPECT_EQ(p.get("id"), "1");
  EXPECT_EQ(cache.stats().evictions, 3u);
  EXPECT_EQ(cache.size(), 3u);
}

TEST(RouteCache, ForcedCollisionsStillGiveTheRightAnswer) {
  const Router router = make_router();
  RouteCache cache(router, {.capacity = 16, .hash = same_hash_for_all});
  Params p;
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(cache.lookup(Method::GET, "/users/7", p).route->id, 0u);
    EXPECT_EQ(p.get("id"), "7");
    EXPECT_EQ(cache.lookup(Method::GET, "/repos/a/b", p).route->id, 1u);
    EXPECT_EQ(p.get("owner"), "a");
    EXPECT_EQ(cache.lookup(Method::GET, "/static/x/y.css", p).route->id, 3u);
    EXPECT_EQ(p.get("file"), "x/y.css");
  }
  EXPECT_EQ(cache.stats().hits, 3u);
}

TEST(RouteCache, HashOnlyDefectReturnsTheWrongRouteOnACollision) {
  const Router router = make_router();
  RouteCache cache(router, {.capacity = 16, .key_comparison = KeyComparison::HashOnly, .hash = same_hash_for_all});
  Params p;
  EXPECT_EQ(cache.lookup(Method::GET, "/users/7", p).route->id, 0u);
  auto wrong = cache.lookup(Method::GET, "/repos/a/b", p);
  EXPECT_TRUE(wrong.hit);
  EXPECT_EQ(wrong.route->id, 0u);  // the route of /users/7
  EXPECT_EQ(p.get("id"), "7");     // and its parameters
}

TEST(RouteCache, UnboundedDefectNeverEvicts) {
  const Router router = make_router();
  RouteCache cache(router, {.capacity = 4, .bounded = false});
  Params p;
  for (int i = 0; i < 100; ++i) cache.lookup(Method::GET, "/users/" + std::to_string(i), p);
  EXPECT_EQ(cache.size(), 100u);
  EXPECT_EQ(cache.stats().evictions, 0u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(cache.lookup(Method::GET, "/users/" + std::to_string(i), p).hit);
    EXPECT_EQ(p.get("id"), std::to_string(i));
  }
}

TEST(RouteCache, BoundedCacheNeverExceedsCapacity) {
  const Router router = make_router();
  RouteCache cache(router, 4);
  Params p;
  for (int i = 0; i < 100; ++i) {
    cache.lookup(Method::GET, "/users/" + std::to_string(i % 10), p);
    EXPECT_LE(cache.size(), 4u);
  }
  EXPECT_EQ(cache.stats().evictions, 96u);
}

TEST(RouteCache, FillingABoundedCacheAllocatesNothingAndAnUnboundedOneGrowsPastItsCapacity) {
  const Router router = make_router();
  Params p;
  std::vector<std::string> paths;
  for (int i = 0; i < 200; ++i) paths.push_back("/users/" + std::to_string(i));
  router.match(Method::GET, "/users/0", p);  // the router builds its index on the first match
  RouteCache bounded(router, 64);
  {
    testing::CountingScope scope;
    for (const std::string& path : paths) bounded.lookup(Method::GET, path, p);
    EXPECT_EQ(scope.tally().news, 0);
  }
  RouteCache unbounded(router, RouteCacheOptions{.capacity = 64, .bounded = false});
  testing::CountingScope scope;
  for (int i = 0; i < 64; ++i) unbounded.lookup(Method::GET, paths[i], p);
  EXPECT_EQ(scope.tally().news, 0);
  for (int i = 64; i < 200; ++i) unbounded.lookup(Method::GET, paths[i], p);
  EXPECT_GT(scope.tally().news, 0);
  EXPECT_EQ(unbounded.size(), 200u);
}

TEST(RouteCache, ZeroCapacityAndClear) {
  const Router router = make_router();
  RouteCache none(router, 0);
  Params p;
  EXPECT_EQ(none.lookup(Method::GET, "/users/1", p).route->id, 0u);
  EXPECT_FALSE(none.lookup(Method::GET, "/users/1", p).hit);
  EXPECT_EQ(none.size(), 0u);

  RouteCache cache(router, 4);
  cache.lookup(Method::GET, "/users/1", p);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.lookup(Method::GET, "/users/1", p).hit);
  EXPECT_TRUE(cache.lookup(Method::GET, "/users/1", p).hit);
}

TEST(RouteCache, DefaultHashSeparatesMethodsAndPaths) {
  EXPECT_NE(default_route_cache_hash(Method::GET, "/a"), default_route_cache_hash(Method::POST, "/a"));
  EXPECT_NE(default_route_cache_hash(Method::GET, "/users/12345678"),
            default_route_cache_hash(Method::GET, "/users/12345679"));
  EXPECT_EQ(default_route_cache_hash(Method::GET, "/x"), default_route_cache_hash(Method::GET, "/x"));
}

}  // namespace
}  // namespace vigil::framework
