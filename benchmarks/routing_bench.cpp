// Routing: lookups of static and parameter routes, the whole GitHub API set,
// route-cache hits, parameter extraction and query parsing.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "alloc_counter.hpp"
#include "core_options.hpp"
#include "per_lookup.hpp"
#include "route_sets.hpp"
#include "vigil/framework/text/query.hpp"
#include "vigil/framework/routing/route_cache.hpp"
#include "vigil/framework/routing/route_table.hpp"
#include "vigil/framework/routing/router.hpp"
#include "vigil/harness/data_files.hpp"

namespace vigil::bench {
namespace {

using framework::Method;
using framework::Params;
using framework::Router;

struct GithubSet {
  Router router;
  std::vector<std::pair<Method, std::string>> requests;  // one path per route
};

const GithubSet& github_set() {
  static const GithubSet set = [] {
    GithubSet s;
    auto table = framework::load_route_table(harness::github_api_routes_file());
    auto error = table.ok() ? framework::add_routes(s.router, table.lines) : table.error;
    if (error) {
      std::fprintf(stderr, "routing_bench: %s\n", error->c_str());
      std::abort();
    }
    for (const auto& line : table.lines) {
      s.requests.emplace_back(line.method, framework::example_path(line.path, 1));
    }
    return s;
  }();
  return set;
}

// `count` parameters: /p/:a0/:a1/... matched by /p/v0/v1/...
std::pair<std::string, std::string> param_route(int count) {
  std::string pattern = "/p", path = "/p";
  for (int i = 0; i < count; ++i) {
    pattern += "/:a" + std::to_string(i);
    path += "/v" + std::to_string(i);
  }
  return {pattern, path};
}

void lookup_one(benchmark::State& state, const Router& router, Method method, const std::string& path) {
  Params params;
  if (router.match(method, path, params) == nullptr) {
    state.SkipWithError("route not found");
    return;
  }
  AllocationScope allocs(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.match(method, path, params));
    benchmark::ClobberMemory();
  }
  allocs.report();
}

void BM_RouteStatic(benchmark::State& state) {
  lookup_one(state, github_set().router, Method::GET, "/user/subscriptions");
}
BENCHMARK(BM_RouteStatic);

void BM_RouteOneParam(benchmark::State& state) {
  lookup_one(state, github_set().router, Method::GET, "/users/octocat");
}
BENCHMARK(BM_RouteOneParam);

void BM_RouteParams(benchmark::State& state) {
  const auto [pattern, path] = param_route(static_cast<int>(state.range(0)));
  Router router;
  if (router.add(Method::GET, pattern, 0)) {
    state.SkipWithError("route refused");
    return;
  }
  lookup_one(state, router, Method::GET, path);
}
BENCHMARK(BM_RouteParams)->Arg(5)->Arg(20);

void BM_RouteGithubAll(benchmark::State& state) {
  const auto& set = github_set();
  Params params;
  AllocationScope allocs(state);
  for (auto _ : state) {
    for (const auto& [method, path] : set.requests) {
      benchmark::DoNotOptimize(set.router.match(method, path, params));
    }
    benchmark::ClobberMemory();
  }
  allocs.report();
  report_per_lookup(state, set.requests.size());
  state.counters["table_bytes"] = static_cast<double>(set.router.lookup_table_bytes());
}
BENCHMARK(BM_RouteGithubAll);

// Registering a large set (versioned_github_routes) in an empty router,
// then one match, which compiles the lookup tables.
void BM_RouteRegister(benchmark::State& state) {
  const auto lines = versioned_github_routes(static_cast<std::size_t>(state.range(0)));
  const std::string probe = framework::example_path(lines.back().path, 1);
  std::optional<Router> router;
  AllocationScope allocs(state);
  for (auto _ : state) {
    state.PauseTiming();
    router.emplace();  // the last one is freed untimed
    state.ResumeTiming();
    if (auto error = framework::add_routes(*router, lines)) {
      state.SkipWithError(error->c_str());
      return;
    }
    Params params;
    benchmark::DoNotOptimize(router->match(lines.back().method, probe, params));
  }
  allocs.report();
  state.counters["routes"] = static_cast<double>(lines.size());
  state.counters["table_bytes"] = static_cast<double>(router->lookup_table_bytes());
}
BENCHMARK(BM_RouteRegister)->Arg(10'000)->Unit(benchmark::kMillisecond);

void BM_RouteCacheHit(benchmark::State& state) {
  const auto& set = github_set();
  framework::RouteCache cache(set.router, core_options().route_cache);
  Params params;
  for (const auto& [method, path] : set.requests) cache.lookup(method, path, params);
  AllocationScope allocs(state);
  for (auto _ : state) {
    for (const auto& [method, path] : set.requests) {
      benchmark::DoNotOptimize(cache.lookup(method, path, params));
    }
    benchmark::ClobberMemory();
  }
  allocs.report();
  report_per_lookup(state, set.requests.size());
  state.counters["hit_ratio"] = static_cast<double>(cache.stats().hits) /
                                static_cast<double>(cache.stats().hits + cache.stats().misses);
}
BENCHMARK(BM_RouteCacheHit);

// Match, then read every parameter by name, as a handler would.
void BM_RouteParamExtraction(benchmark::State& state) {
  const auto& router = github_set().router;
  const std::string path = "/repos/octo/hello/pulls/42/comments";
  Params params;
  AllocationScope allocs(state);
  for (auto _ : state) {
    router.match(Method::GET, path, params);
    std::size_t total = 0;
    for (const char* name : {"owner", "repo", "number"}) total += params.get(name)->size();
    benchmark::DoNotOptimize(total);
  }
  allocs.report();
}
BENCHMARK(BM_RouteParamExtraction);

void BM_RouteQueryParse(benchmark::State& state) {
  const std::string target = "/search/issues?q=leak+in%20pool&sort=created&order=desc&page=2&per_page=100";
  std::vector<char> storage(target.size());
  framework::QueryParams query;
  AllocationScope allocs(state);
  for (auto _ : state) {
    const auto split = framework::split_target(target);
    benchmark::DoNotOptimize(framework::parse_query(split.query, storage, query));
    benchmark::DoNotOptimize(query.get("per_page"));
  }
  allocs.report();
}
BENCHMARK(BM_RouteQueryParse);

}  // namespace
}  // namespace vigil::bench
