#include "vigil/harness/scenario.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/framework/pipeline/batch_worker.hpp"

namespace vigil::harness {
namespace {

using namespace framework;

TEST(ScenarioCatalog, ParsesEveryNameAndRejectsOthers) {
  for (const ScenarioInfo& info : scenario_catalog()) {
    ASSERT_TRUE(parse_scenario(info.name).has_value());
    EXPECT_EQ(scenario_name(*parse_scenario(info.name)), info.name);
  }
  EXPECT_FALSE(parse_scenario("API").has_value());
  EXPECT_FALSE(parse_scenario("").has_value());
  EXPECT_EQ(scenario_names(), "api, random-paths, burst");
}

std::vector<std::string> paths(Scenario s, std::uint64_t seed, std::size_t n) {
  RequestGenerator g(s, seed);
  SyntheticRequest r;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    g.next(r);
    out.push_back(r.path + "?" + r.query + "#" + r.body);
  }
  return out;
}

TEST(RequestGenerator, IsDeterministicPerSeed) {
  EXPECT_EQ(paths(Scenario::Api, 7, 200), paths(Scenario::Api, 7, 200));
  EXPECT_NE(paths(Scenario::Api, 7, 200), paths(Scenario::Api, 8, 200));
}

TEST(RequestGenerator, ApiMixesMethodsQueriesHeadersAndBodies) {
  RequestGenerator g(Scenario::Api);
  SyntheticRequest r;
  std::set<Method> methods;
  bool query = false, body = false, preflight = false;
  for (int i = 0; i < 400; ++i) {
    g.next(r);
    methods.insert(r.method);
    query |= !r.query.empty();
    body |= !r.body.empty();
    preflight |= r.headers.find("Access-Control-Request-Method").has_value();
    EXPECT_TRUE(r.headers.find("Host").has_value());
  }
  EXPECT_EQ(methods.size(), 4u);  // GET, HEAD, POST, OPTIONS
  EXPECT_TRUE(query);
  EXPECT_TRUE(body);
  EXPECT_TRUE(preflight);
}

TEST(RequestGenerator, ApiUserIdsCountUpAndGetLonger) {
  RequestGenerator g(Scenario::Api);
  SyntheticRequest r;
  std::size_t shortest = 100, longest = 0;
  for (int i = 0; i < 20'000; ++i) {
    g.next(r);
    if (!r.path.starts_with("/users/")) continue;
    const std::size_t digits = r.path.size() - 7;
    shortest = std::min(shortest, digits);
    longest = std::max(longest, digits);
  }
  EXPECT_EQ(shortest, 1u);  // the first users
  EXPECT_EQ(longest, 4u);   // signed up since: about 1 in 16 requests
}

TEST(RequestGenerator, RandomPathsNeverRepeat) {
  const auto ps = paths(Scenario::RandomPaths, 1, 5000);
  EXPECT_EQ(std::set<std::string>(ps.begin(), ps.end()).size(), ps.size());
}

TEST(RequestGenerator, BurstStaysOnFewConnectionsInRuns) {
  RequestGenerator g(Scenario::Burst);
  SyntheticRequest r;
  std::set<std::uint32_t> connections;
  std::size_t switches = 0;
  std::uint32_t last = 0;
  for (int i = 0; i < 480; ++i) {
    g.next(r);
    if (i > 0 && r.connection != last) ++switches;
    last = r.connection;
    connections.insert(r.connection);
  }
  EXPECT_EQ(connections.size(), 4u);
  EXPECT_EQ(switches, 9u);  // ten bursts of 48
}

TEST(ScenarioRunner, ApiAnswersThroughThePipeline) {
  ScenarioRunner runner(ScenarioOptions{});
  runner.run(400);
  const ScenarioState s = runner.state();
  EXPECT_EQ(s.requests, 400u);
  EXPECT_GT(s.status_2xx, 250u);
  EXPECT_GT(s.status_4xx, 0u);  // the 404 pages
  EXPECT_EQ(s.status_5xx, 0u);
  EXPECT_EQ(s.connections, 16u);
  EXPECT_GT(s.pool_reuses, 300u);
}

TEST(ScenarioRunner, RouteCacheStaysBoundedUnlessTheDefectIsOn) {
  ScenarioOptions o;
  o.scenario = Scenario::RandomPaths;
  o.route_cache_capacity = 64;
  ScenarioRunner bounded(o);
  bounded.run(500);
  EXPECT_LE(bounded.state().route_cache_entries, 64u);

  o.defects = DefectSet{Defect::RouteCacheUnbounded};
  ScenarioRunner unbounded(o);
  unbounded.run(500);
  EXPECT_EQ(unbounded.state().route_cache_entries, 500u);
}

TEST(ScenarioRunner, BurstGrowsTheHistoryOnlyWithTheDefect) {
  ScenarioOptions o;
  o.scenario = Scenario::Burst;
  ScenarioRunner bounded(o);
  bounded.run(2000);
  const std::size_t bounded_entries = bounded.state().history_entries;

  o.defects = DefectSet{Defect::HistoryUnbounded};
  ScenarioRunner unbounded(o);
  unbounded.run(2000);
  EXPECT_EQ(unbounded.state().history_entries, 2000u);
  EXPECT_LT(bounded_entries, 2000u);
}

TEST(ScenarioRunner, ArenaGrowsOnlyWithTheDefect) {
  ScenarioOptions o;
  o.scenario = Scenario::RandomPaths;  // every /users/:id request uses the arena
  ScenarioRunner clean(o);
  clean.run(100);
  const std::size_t after_100 = clean.state().arena_bytes_reserved;
  clean.run(1900);
  EXPECT_EQ(clean.state().arena_bytes_reserved, after_100);

  o.defects = DefectSet{Defect::ArenaNoReset};
  ScenarioRunner leaking(o);
  leaking.run(100);
  const std::size_t leak_100 = leaking.state().arena_bytes_reserved;
  leaking.run(1900);
  EXPECT_GT(leaking.state().arena_bytes_reserved, leak_100);
}

TEST(ScenarioRunner, StartsOneBatchWorkerPerBatch) {
  ScenarioOptions o;
  o.batch_size = 10;
  ScenarioRunner runner(o);
  runner.run(100);
  EXPECT_EQ(runner.state().batch_workers_started, 10u);
}

}  // namespace
}  // namespace vigil::harness
