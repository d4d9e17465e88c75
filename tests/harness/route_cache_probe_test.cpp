#include "vigil/harness/route_cache_probe.hpp"

#include <gtest/gtest.h>

#include "vigil/harness/data_files.hpp"

namespace vigil::harness {
namespace {

using namespace framework;

Router github_router() {
  auto table = load_route_table(github_api_routes_file());
  EXPECT_TRUE(table.ok()) << table.error;
  Router router;
  EXPECT_FALSE(add_routes(router, table.lines));
  return router;
}

bool has_kind(const std::vector<ProbeFinding>& findings, std::string_view kind) {
  for (const auto& f : findings) {
    if (f.kind == kind) return true;
  }
  return false;
}

// The findings that fail a run; whether the cache was slower than the
// router (a warning) depends on timing, which tests never gate on.
std::vector<ProbeFinding> errors(std::vector<ProbeFinding> findings) {
  std::erase_if(findings, [](const ProbeFinding& f) { return f.severity != reports::Severity::Error; });
  return findings;
}

TEST(AccessPattern, NamesRoundTrip) {
  for (auto p : all_access_patterns()) EXPECT_EQ(parse_access_pattern(to_string(p)), p);
  EXPECT_FALSE(parse_access_pattern("all"));
  EXPECT_EQ(all_access_patterns().size(), 4u);
}

TEST(RouteCacheProbe, RequestsCoverEveryRoute) {
  const Router router = github_router();
  const auto requests = requests_for_routes(router, 3);
  std::size_t static_routes = 0;
  for (const auto& r : router.routes()) static_routes += r->param_names.empty();
  ASSERT_EQ(requests.size(), 3 * router.size() - 2 * static_routes);
  Params p;
  for (std::size_t i = 0; i < router.size(); ++i) {
    EXPECT_EQ(router.match(requests[i].method, requests[i].path, p), router.routes()[i].get());
  }
}

TEST(RouteCacheProbe, CorrectCacheGivesNoFindingOnAnyPattern) {
  const Router router = github_router();
  const auto requests = requests_for_routes(router, 20);
  ProbeConfig config;
  config.capacity = 512;
  config.lookups = 20'000;
  config.hash = collision_prone_route_cache_hash;  // collisions must not matter
  for (auto pattern : all_access_patterns()) {
    const auto result = run_probe(router, requests, pattern, config);
    EXPECT_EQ(result.wrong_answers, 0u) << to_string(pattern);
    EXPECT_LE(result.max_size, config.capacity);
    EXPECT_EQ(result.hits + result.misses, config.lookups);
    EXPECT_EQ(result.cached_ns.size(), config.lookups);
    EXPECT_EQ(result.uncached_ns.size(), config.lookups);
    EXPECT_FALSE(result.size_over_time.empty());
    EXPECT_TRUE(errors(evaluate_probe(result, config.capacity, 0.8)).empty()) << to_string(pattern);
  }
}

TEST(RouteCacheProbe, HitRatesFollowThePattern) {
  const Router router = github_router();
  const auto requests = requests_for_routes(router, 20);  // 3376 distinct requests
  ProbeConfig config;
  config.capacity = 512;
  config.lookups = 20'000;
  // Cycling through more requests than the capacity defeats LRU entirely.
  EXPECT_EQ(run_probe(router, requests, AccessPattern::Sequential, config).hits, 0u);
  const auto hot = run_probe(router, requests, AccessPattern::Hotspot, config);
  EXPECT_GT(hot.hit_rate, 0.8);
  const auto random = run_probe(router, requests, AccessPattern::Random, config);
  EXPECT_LT(random.hit_rate, 0.3);
  EXPECT_GT(random.evictions, 0u);
}

TEST(RouteCacheProbe, HashOnlyDefectIsFlaggedByWrongAnswersNamingBothRoutes) {
  const Router router = github_router();
  const auto requests = requests_for_routes(router, 5);
  ProbeConfig config;
  config.capacity = 256;
  config.lookups = 5'000;
  config.hash = collision_prone_route_cache_hash;
  config.defects.enable(Defect::RouteCacheHashOnly);
  const auto result = run_probe(router, requests, AccessPattern::Random, config);
  EXPECT_GT(result.wrong_answers, 0u);
  ASSERT_FALSE(result.wrong_examples.empty());
  const auto& e = result.wrong_examples.front();
  EXPECT_NE(e.expected, e.got);
  const auto findings = evaluate_probe(result, config.capacity, 0.8);
  ASSERT_TRUE(has_kind(findings, "wrong-answer"));
  EXPECT_NE(findings.front().message.find(e.got), std::string::npos);
  EXPECT_NE(findings.front().message.find(e.expected), std::string::npos);
}

TEST(RouteCacheProbe, UnboundedDefectIsFlaggedBySize) {
  const Router router = github_router();
  const auto requests = requests_for_routes(router, 10);
  ProbeConfig config;
  config.capacity = 100;
  config.lookups = 10'000;
  config.defects.enable(Defect::RouteCacheUnbounded);
  const auto result = run_probe(router, requests, AccessPattern::Random, config);
  EXPECT_GT(result.max_size, config.capacity);
  EXPECT_EQ(result.wrong_answers, 0u);
  const auto findings = errors(evaluate_probe(result, config.capacity, 0.0));
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, "unbounded-growth");
  EXPECT_NE(findings[0].message.find("still growing"), std::string::npos);
}

TEST(RouteCacheProbe, LowHotspotHitRateIsFlagged) {
  const Router router = github_router();
  const auto requests = requests_for_routes(router, 20);
  ProbeConfig config;
  config.capacity = 16;  // far smaller than the hot set
  config.lookups = 5'000;
  const auto result = run_probe(router, requests, AccessPattern::Hotspot, config);
  const auto findings = evaluate_probe(result, config.capacity, 0.8);
  ASSERT_TRUE(has_kind(findings, "low-hit-rate"));
  // The same rate is no problem for the other patterns.
  auto as_random = result;
  as_random.pattern = AccessPattern::Random;
  EXPECT_TRUE(errors(evaluate_probe(as_random, config.capacity, 0.8)).empty());
}

TEST(RouteCacheProbe, ACacheSlowerThanTheRouterIsAWarning) {
  PatternResult result;
  result.pattern = AccessPattern::Zipf;
  result.hit_rate = 0.25;
  result.cached_ns = {50, 60, 70, 80, 500};
  result.uncached_ns = {40, 45, 50, 55, 60};
  auto findings = evaluate_probe(result, 1024, 0.8);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, "cache-slower-than-router");
  EXPECT_EQ(findings[0].severity, reports::Severity::Warning);
  EXPECT_EQ(findings[0].message,
            "zipf: a lookup through the cache takes 70 ns at the median, the router alone 50 ns: at hit "
            "rate 0.250 the cache costs more than it saves");
  // Faster than the router, or as fast: nothing to say.
  std::swap(result.cached_ns, result.uncached_ns);
  EXPECT_TRUE(evaluate_probe(result, 1024, 0.8).empty());
  result.cached_ns = result.uncached_ns;
  EXPECT_TRUE(evaluate_probe(result, 1024, 0.8).empty());
}

TEST(RouteCacheProbe, SameSeedSameRun) {
  const Router router = github_router();
  const auto requests = requests_for_routes(router, 4);
  ProbeConfig config;
  config.capacity = 64;
  config.lookups = 3'000;
  config.seed = 7;
  const auto a = run_probe(router, requests, AccessPattern::Zipf, config);
  const auto b = run_probe(router, requests, AccessPattern::Zipf, config);
  EXPECT_EQ(a.hits, b.hits);
  EXPECT_EQ(a.size_over_time, b.size_over_time);
  config.seed = 8;
  EXPECT_NE(run_probe(router, requests, AccessPattern::Zipf, config).hits, a.hits);
}

TEST(RouteCacheProbe, ExplainNamesTheRouteAndParameters) {
  Router router;
  ASSERT_FALSE(router.add(Method::GET, "/repos/:owner/:repo", 0));
  EXPECT_EQ(explain_request(router, {Method::GET, "/repos/octo/hello"}),
            "GET /repos/octo/hello -> GET /repos/:owner/:repo owner=octo repo=hello");
  EXPECT_EQ(explain_request(router, {Method::POST, "/repos/octo/hello"}),
            "POST /repos/octo/hello -> no route");
}

}  // namespace
}  // namespace vigil::harness
