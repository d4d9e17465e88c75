#pragma once
// The route-cache probe behind `vigil-route-cache`: drives a RouteCache with
// an access pattern over a set of requests, times every lookup (cached and
// uncached), tracks the cache's size, and checks every cached answer against
// the uncached router. Returns plain data; the tool turns it into a report.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/harness/defects.hpp"
#include "vigil/framework/routing/route_cache.hpp"
#include "vigil/framework/routing/route_table.hpp"
#include "vigil/framework/routing/router.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::harness {

using framework::Method;
using framework::Router;
using framework::RouteCacheHash;
using framework::RouteLine;

enum class AccessPattern { Sequential, Random, Hotspot, Zipf };

std::span<const AccessPattern> all_access_patterns();
std::string_view to_string(AccessPattern p);
std::optional<AccessPattern> parse_access_pattern(std::string_view name);

// Hot-spot: this share of the requests takes kHotShare of the lookups.
inline constexpr double kHotSetFraction = 0.05;
inline constexpr double kHotShare = 0.9;
// Zipf exponent of the Zipf pattern.
inline constexpr double kZipfExponent = 1.0;

struct ProbeRequest {
  Method method = Method::GET;
  std::string path;
};

// `per_route` distinct request paths for every route with parameters, one
// for each without (see example_path()); the first router.size() requests
// are one per route, in registration order.
std::vector<ProbeRequest> requests_for_routes(const Router& router, std::size_t per_route);
// The requests of a `--paths` file.
std::vector<ProbeRequest> requests_from_table(const std::vector<RouteLine>& lines);

// A hash with only 64 values, so that collisions happen constantly (`--collide`).
std::uint32_t collision_prone_route_cache_hash(Method method, std::string_view path);

struct ProbeConfig {
  std::size_t capacity = 1024;
  std::uint64_t lookups = 200'000;
  std::uint64_t seed = 1;
  DefectSet defects;
  RouteCacheHash hash = framework::default_route_cache_hash;
  std::size_t size_points = 200;      // points of the size-over-time series
  std::size_t max_wrong_examples = 5;  // wrong answers kept in full
  // Called now and then with the lookups done so far in this run.
  std::function<void(std::uint64_t)> progress;
};

struct WrongAnswer {
  std::string request;   // "GET /users/a"
  std::string expected;  // "GET /users/:user user=a", or "no route"
  std::string got;       // what the cache answered, same form
};

struct PatternResult {
  AccessPattern pattern = AccessPattern::Sequential;
  std::uint64_t lookups = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
  double hit_rate = 0;
  std::vector<double> cached_ns;    // one sample per lookup through the cache
  std::vector<double> uncached_ns;  // one sample per lookup of the router alone
  std::vector<std::pair<double, double>> size_over_time;  // (lookups done, entries)
  std::size_t max_size = 0;
  std::size_t final_size = 0;
  std::uint64_t wrong_answers = 0;
  std::vector<WrongAnswer> wrong_examples;
};

// Runs `config.lookups` lookups with a fresh cache. `requests` must not be empty.
PatternResult run_probe(const Router& router, std::span<const ProbeRequest> requests,
                        AccessPattern pattern, const ProbeConfig& config);

struct ProbeFinding {
  std::string kind;  // "wrong-answer", "unbounded-growth", "low-hit-rate", "cache-slower-than-router"
  std::string message;
  double count = 0;
  reports::Severity severity = reports::Severity::Error;
};

// The problems in one run: any wrong answer; a size beyond capacity; a
// hot-spot hit rate under `min_hit_rate` (errors); a cached p50 above the
// router's alone (a warning: the cache works, but costs more than it saves).
std::vector<ProbeFinding> evaluate_probe(const PatternResult& result, std::size_t capacity,
                                         double min_hit_rate);

// "GET /users/1 -> GET /users/:id id=1", or "GET /x -> no route".
std::string explain_request(const Router& router, const ProbeRequest& request);

}  // namespace vigil::harness
