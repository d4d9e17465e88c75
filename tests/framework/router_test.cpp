#include "vigil/framework/routing/router.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/framework/routing/route_table.hpp"
#include "vigil/harness/data_files.hpp"

namespace vigil::framework {
namespace {

Router make_router(std::initializer_list<std::pair<Method, const char*>> routes) {
  Router router;
  RouteId id = 0;
  for (const auto& [method, pattern] : routes) {
    auto error = router.add(method, pattern, id++);
    EXPECT_FALSE(error) << error->message;
  }
  return router;
}

std::string matched(const Router& router, Method m, std::string_view path, Params& params) {
  const Route* r = router.match(m, path, params);
  return r ? r->pattern : "<none>";
}

TEST(Method, ParsesAndPrintsEveryMethod) {
  for (const char* name : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}) {
    auto m = parse_method(name);
    ASSERT_TRUE(m) << name;
    EXPECT_EQ(to_string(*m), name);
  }
  EXPECT_FALSE(parse_method("get"));
  EXPECT_FALSE(parse_method(""));
  EXPECT_FALSE(parse_method("GETX"));
}

TEST(Router, MatchesStaticRoutes) {
  auto router = make_router({{Method::GET, "/"}, {Method::GET, "/users"}, {Method::GET, "/user"},
                             {Method::POST, "/users"}});
  Params p;
  EXPECT_EQ(matched(router, Method::GET, "/", p), "/");
  EXPECT_EQ(matched(router, Method::GET, "/users", p), "/users");
  EXPECT_EQ(matched(router, Method::GET, "/user", p), "/user");
  EXPECT_EQ(router.match(Method::POST, "/users", p)->id, 3u);
  EXPECT_EQ(matched(router, Method::GET, "/use", p), "<none>");
  EXPECT_EQ(matched(router, Method::GET, "/users/", p), "<none>");
  EXPECT_EQ(matched(router, Method::DELETE, "/users", p), "<none>");
  EXPECT_TRUE(p.empty());
}

TEST(Router, ExtractsParameters) {
  auto router = make_router({{Method::GET, "/repos/:owner/:repo/issues/:number"}});
  Params p;
  ASSERT_EQ(matched(router, Method::GET, "/repos/octo/hello/issues/42", p),
            "/repos/:owner/:repo/issues/:number");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.get("owner"), "octo");
  EXPECT_EQ(p.get("repo"), "hello");
  EXPECT_EQ(p.get("number"), "42");
  EXPECT_EQ(p[0].name, "owner");
  EXPECT_FALSE(p.get("missing"));
  // A parameter is one non-empty segment.
  EXPECT_EQ(matched(router, Method::GET, "/repos//hello/issues/42", p), "<none>");
  EXPECT_EQ(matched(router, Method::GET, "/repos/a/b/issues/42/x", p), "<none>");
  EXPECT_TRUE(p.empty());
}

TEST(Router, StaticAndParameterSiblingsShareAPrefix) {
  auto router = make_router({{Method::GET, "/users/new"},
                             {Method::GET, "/users/:id"},
                             {Method::DELETE, "/applications/:client_id/tokens"},
                             {Method::DELETE, "/applications/:client_id/tokens/:access_token"}});
  Params p;
  EXPECT_EQ(matched(router, Method::GET, "/users/new", p), "/users/new");
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(matched(router, Method::GET, "/users/42", p), "/users/:id");
  EXPECT_EQ(p.get("id"), "42");
  // The static branch dead-ends: falls back to the parameter.
  EXPECT_EQ(matched(router, Method::GET, "/users/newer", p), "/users/:id");
  EXPECT_EQ(p.get("id"), "newer");
  EXPECT_EQ(matched(router, Method::GET, "/users/ne", p), "/users/:id");
  EXPECT_EQ(matched(router, Method::DELETE, "/applications/app1/tokens", p),
            "/applications/:client_id/tokens");
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(matched(router, Method::DELETE, "/applications/app1/tokens/t0k", p),
            "/applications/:client_id/tokens/:access_token");
  EXPECT_EQ(p.get("client_id"), "app1");
  EXPECT_EQ(p.get("access_token"), "t0k");
}

TEST(Router, BacktracksAcrossSegments) {
  auto router = make_router({{Method::GET, "/a/b/c"}, {Method::GET, "/a/:x/d"}, {Method::GET, "/a/:x"}});
  Params p;
  EXPECT_EQ(matched(router, Method::GET, "/a/b/d", p), "/a/:x/d");
  EXPECT_EQ(p.get("x"), "b");
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(matched(router, Method::GET, "/a/b", p), "/a/:x");
  EXPECT_EQ(matched(router, Method::GET, "/a/b/c", p), "/a/b/c");
  EXPECT_TRUE(p.empty());
}

TEST(Router, CatchAllTakesTheRest) {
  auto router = make_router({{Method::GET, "/static/*file"}, {Method::GET, "/static/index.html"},
                             {Method::GET, "/files/:name"}, {Method::GET, "/files/*path"}});
  Params p;
  EXPECT_EQ(matched(router, Method::GET, "/static/css/site.css", p), "/static/*file");
  EXPECT_EQ(p.get("file"), "css/site.css");
  EXPECT_EQ(matched(router, Method::GET, "/static/index.html", p), "/static/index.html");
  EXPECT_EQ(matched(router, Method::GET, "/static/", p), "/static/*file");
  EXPECT_EQ(p.get("file"), "");
  EXPECT_EQ(matched(router, Method::GET, "/files/a", p), "/files/:name");
  EXPECT_EQ(matched(router, Method::GET, "/files/a/b", p), "/files/*path");
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(p.get("path"), "a/b");
}

TEST(Router, ParameterNamesMayDifferAtOnePositionEachRouteKeepsItsOwn) {
  auto router = make_router({{Method::GET, "/x/:foo/bar"},
                             {Method::GET, "/x/:bar/baz"},
                             {Method::GET, "/:foo/:baz/bax"},
                             {Method::GET, "/:fod/:baz/:bax/foo"},
                             {Method::GET, "/users/:id"},
                             {Method::GET, "/users/:user_id/keys"},
                             {Method::GET, "/users/:user_id/keys/:key_id"},
                             {Method::GET, "/users/:login/files/*path"},
                             {Method::DELETE, "/applications/:client_id/tokens"},
                             {Method::DELETE, "/applications/:app/tokens/:access_token"}});
  // Each match as "pattern name=value ...", parameters in path order.
  const auto match_text = [&router](Method m, std::string_view path) {
    Params p;
    const Route* r = router.match(m, path, p);
    std::string out = r ? r->pattern : "<none>";
    for (const auto& param : p) out += " " + std::string(param.name) + "=" + std::string(param.value);
    return out;
  };
  const std::pair<Method, std::string_view> requests[] = {
      {Method::GET, "/x/1/bar"}, {Method::GET, "/x/2/baz"}, {Method::GET, "/x/2/bax"},
      {Method::GET, "/a/b/c/foo"}, {Method::GET, "/users/42"}, {Method::GET, "/users/42/keys"},
      {Method::GET, "/users/42/keys/7"},
      // A catch-all after a renamed parameter: both names are the route's.
      {Method::GET, "/users/ann/files/a/b.txt"},
      {Method::DELETE, "/applications/c1/tokens"}, {Method::DELETE, "/applications/c1/tokens/t0k"},
      // A short path (matched from a padded copy) is renamed too.
      {Method::GET, "/x/9/baz"}};
  const std::string_view expected[] = {"/x/:foo/bar foo=1",
                                       "/x/:bar/baz bar=2",
                                       "/:foo/:baz/bax foo=x baz=2",
                                       "/:fod/:baz/:bax/foo fod=a baz=b bax=c",
                                       "/users/:id id=42",
                                       "/users/:user_id/keys user_id=42",
                                       "/users/:user_id/keys/:key_id user_id=42 key_id=7",
                                       "/users/:login/files/*path login=ann path=a/b.txt",
                                       "/applications/:client_id/tokens client_id=c1",
                                       "/applications/:app/tokens/:access_token app=c1 access_token=t0k",
                                       "/x/:bar/baz bar=9"};
  static_assert(std::size(requests) == std::size(expected));
  for (std::size_t i = 0; i < std::size(requests); ++i) {
    EXPECT_EQ(match_text(requests[i].first, requests[i].second), expected[i]) << requests[i].second;
  }
}

TEST(Router, RefusesPatternsThatMatchTheSamePathsNamingBothRoutes) {
  Router router;
  ASSERT_FALSE(router.add(Method::GET, "/users/:id/posts", 0));
  ASSERT_FALSE(router.add(Method::GET, "/users/:name", 1));
  auto error = router.add(Method::GET, "/users/:user/posts", 2);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, RouteError::Kind::Conflict);
  EXPECT_EQ(error->message,
            "GET /users/:user/posts conflicts with GET /users/:id/posts: both match the same paths "
            "(only parameter names differ)");
  ASSERT_NE(error->existing, nullptr);
  EXPECT_EQ(error->existing->id, 0u);
  // Refusal changes nothing; another method has its own tree.
  EXPECT_EQ(router.size(), 2u);
  Params p;
  EXPECT_EQ(matched(router, Method::GET, "/users/x/posts", p), "/users/:id/posts");
  EXPECT_EQ(p.get("id"), "x");
  EXPECT_FALSE(router.add(Method::POST, "/users/:user/posts", 2));
}

TEST(Router, RefusesDuplicatesAndCatchAllClashes) {
  Router router;
  ASSERT_FALSE(router.add(Method::GET, "/a/:x", 0));
  auto dup = router.add(Method::GET, "/a/:x", 1);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->kind, RouteError::Kind::Duplicate);
  EXPECT_EQ(dup->message, "GET /a/:x duplicates GET /a/:x");
  ASSERT_FALSE(router.add(Method::GET, "/f/*path", 2));
  auto other = router.add(Method::GET, "/f/*rest", 3);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->kind, RouteError::Kind::Conflict);
  EXPECT_NE(other->message.find("GET /f/*path"), std::string::npos);
}

TEST(Router, RefusesMalformedPatterns) {
  Router router;
  for (const char* bad : {"", "users", "/a/*rest/more", "/a/b:c", "/a/:", "/a/*", "/a/:x/:x",
                          "/a b", "/a?x", "/a/:na-me"}) {
    auto error = router.add(Method::GET, bad, 0);
    ASSERT_TRUE(error) << bad;
    EXPECT_EQ(error->kind, RouteError::Kind::BadPattern) << bad;
    EXPECT_NE(error->message.find("bad pattern"), std::string::npos);
  }
  EXPECT_EQ(router.size(), 0u);
  std::string many;
  for (std::size_t i = 0; i <= Params::kCapacity; ++i) many += "/:p" + std::to_string(i);
  EXPECT_TRUE(router.add(Method::GET, many, 0));
}

TEST(Router, SixtyThreeSegmentsAtMostAndPathsOfAnyDepth) {
  Router router;
  std::string deepest, path;
  for (int i = 0; i < 63; ++i) {
    deepest += i % 2 ? "/s" : "/:p" + std::to_string(i);
    path += i % 2 ? "/s" : "/v";
  }
  ASSERT_FALSE(router.add(Method::GET, deepest, 0));
  auto error = router.add(Method::GET, deepest + "/s", 1);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, RouteError::Kind::BadPattern);
  EXPECT_NE(error->message.find("at most 63 segments"), std::string::npos) << error->message;
  ASSERT_FALSE(router.add(Method::GET, "/:p0/s/*rest", 2));

  Params params;
  const Route* r = router.match(Method::GET, path, params);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id, 0u);  // a parameter beats the catch-all at segment 2
  EXPECT_EQ(params.size(), 32u);
  // One segment more than the deepest route: only the catch-all can take it.
  const std::string longer = path + "/s";
  r = router.match(Method::GET, longer, params);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id, 2u);
  EXPECT_EQ(params.get("rest"), longer.substr(5));
  // Far deeper than any route, and a path of slashes only.
  std::string deep = "/v/s";
  for (int i = 0; i < 5000; ++i) deep += "/x";
  r = router.match(Method::GET, deep, params);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(params.get("rest"), deep.substr(5));
  EXPECT_EQ(router.match(Method::GET, std::string(5000, '/'), params), nullptr);
  EXPECT_TRUE(params.empty());
}

TEST(Router, LookupTablesGrowWithTheRoutes) {
  Router router;
  EXPECT_EQ(router.lookup_table_bytes(), 0u);
  ASSERT_FALSE(router.add(Method::GET, "/a/:x", 0));
  const std::size_t one = router.lookup_table_bytes();
  EXPECT_GT(one, 0u);
  ASSERT_FALSE(router.add(Method::GET, "/b/:x/c", 1));
  ASSERT_FALSE(router.add(Method::POST, "/a/:x", 2));
  EXPECT_GT(router.lookup_table_bytes(), one);
  Params p;
  EXPECT_EQ(matched(router, Method::GET, "/b/1/c", p), "/b/:x/c");  // compiled tables still match
}

TEST(Router, TwentyParameters) {
  std::string pattern, path;
  for (int i = 0; i < 20; ++i) {
    pattern += "/:p" + std::to_string(i);
    path += "/v" + std::to_string(i);
  }
  Router router;
  ASSERT_FALSE(router.add(Method::GET, pattern, 0));
  Params p;
  ASSERT_NE(router.match(Method::GET, path, p), nullptr);
  ASSERT_EQ(p.size(), 20u);
  EXPECT_EQ(p.get("p19"), "v19");
}

TEST(Router, EveryGithubRouteIsFoundWithItsParameters) {
  auto table = load_route_table(harness::github_api_routes_file());
  ASSERT_TRUE(table.ok()) << table.error;
  ASSERT_EQ(table.lines.size(), 203u);
  Router router;
  ASSERT_FALSE(add_routes(router, table.lines));
  ASSERT_EQ(router.size(), 203u);
  Params p;
  for (std::size_t i = 0; i < table.lines.size(); ++i) {
    const auto& line = table.lines[i];
    const auto path = example_path(line.path, 7);
    const Route* r = router.match(line.method, path, p);
    ASSERT_NE(r, nullptr) << path;
    EXPECT_EQ(r->id, i) << path << " matched " << describe(*r);
    ASSERT_EQ(p.size(), r->param_names.size());
    for (const auto& param : p) {
      EXPECT_EQ(param.value, std::string(param.name) + "-7") << path;
    }
  }
}

TEST(Router, RoutesAddedAfterAMatchAreFound) {
  Router router;
  ASSERT_FALSE(router.add(Method::GET, "/a/:x", 0));
  Params p;
  ASSERT_NE(router.match(Method::GET, "/a/1", p), nullptr);
  EXPECT_EQ(router.match(Method::GET, "/a/1/b", p), nullptr);
  ASSERT_FALSE(router.add(Method::GET, "/a/:x/b", 1));
  ASSERT_FALSE(router.add(Method::GET, "/a/new", 2));
  const Route* r = router.match(Method::GET, "/a/1/b", p);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id, 1u);
  EXPECT_EQ(router.match(Method::GET, "/a/new", p)->id, 2u);

  Router moved = std::move(router);
  EXPECT_EQ(moved.match(Method::GET, "/a/new", p)->id, 2u);
  EXPECT_EQ(moved.match(Method::GET, "/a/2", p)->id, 0u);
}

TEST(Router, FirstMatchesFromManyThreadsAtOnce) {
  // The lookup tables are compiled by whichever match() comes first; the
  // others wait for them (ThreadSanitizer checks the hand-over in CI).
  auto table = load_route_table(harness::github_api_routes_file());
  ASSERT_TRUE(table.ok()) << table.error;
  Router router;
  ASSERT_FALSE(add_routes(router, table.lines));
  std::atomic<int> wrong{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      Params p;
      for (std::size_t k = 0; k < table.lines.size(); ++k) {
        const std::size_t i = (k + static_cast<std::size_t>(t) * 50) % table.lines.size();
        const Route* r = router.match(table.lines[i].method, example_path(table.lines[i].path, 3), p);
        if (r == nullptr || r->id != i) ++wrong;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace vigil::framework
