#include "vigil/harness/route_cache_probe.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "vigil/harness/catalog.hpp"
#include "vigil/harness/random.hpp"

namespace vigil::harness {
namespace {

using namespace framework;

struct AccessPatternInfo {
  AccessPattern value;
  std::string_view name;
};
constexpr std::array<AccessPatternInfo, 4> kPatternInfo{{
    {AccessPattern::Sequential, "sequential"},
    {AccessPattern::Random, "random"},
    {AccessPattern::Hotspot, "hotspot"},
    {AccessPattern::Zipf, "zipf"},
}};
constexpr std::array kPatterns = {AccessPattern::Sequential, AccessPattern::Random,
                                  AccessPattern::Hotspot, AccessPattern::Zipf};
constexpr Catalog<AccessPatternInfo> kCatalog{kPatternInfo};

// Produces the index of the next request for one access pattern.
class AccessSequence {
 public:
  AccessSequence(AccessPattern pattern, std::size_t n, std::uint64_t seed)
      : pattern_(pattern), n_(n), rng_(seed), order_(n) {
    // A seeded shuffle, so hot and frequent requests spread over all routes.
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    for (std::size_t i = n; i > 1; --i) std::swap(order_[i - 1], order_[rng_.below(i)]);
    if (pattern == AccessPattern::Zipf) {
      cdf_.resize(n);
      double sum = 0;
      for (std::size_t k = 0; k < n; ++k) cdf_[k] = sum += 1.0 / std::pow(double(k + 1), kZipfExponent);
      for (auto& c : cdf_) c /= sum;
    }
    hot_ = std::max<std::size_t>(1, static_cast<std::size_t>(double(n) * kHotSetFraction));
  }

  std::size_t next() {
    switch (pattern_) {
      case AccessPattern::Sequential: return order_[cursor_++ % n_];
      case AccessPattern::Random: return order_[rng_.below(n_)];
      case AccessPattern::Hotspot:
        if (rng_.unit() < kHotShare || hot_ == n_) return order_[rng_.below(hot_)];
        return order_[hot_ + rng_.below(n_ - hot_)];
      case AccessPattern::Zipf: {
        const auto it = std::lower_bound(cdf_.begin(), cdf_.end(), rng_.unit());
        return order_[std::min<std::size_t>(static_cast<std::size_t>(it - cdf_.begin()), n_ - 1)];
      }
    }
    return 0;
  }

 private:
  AccessPattern pattern_;
  std::size_t n_;
  SplitMix64 rng_;
  std::vector<std::size_t> order_;
  std::vector<double> cdf_;
  std::size_t hot_ = 1;
  std::uint64_t cursor_ = 0;
};

using Clock = std::chrono::steady_clock;

// What reading the clock itself costs, subtracted from every sample.
double clock_overhead_ns() {
  std::vector<double> deltas(1001);
  for (auto& d : deltas) {
    const auto a = Clock::now();
    const auto b = Clock::now();
    d = std::chrono::duration<double, std::nano>(b - a).count();
  }
  std::nth_element(deltas.begin(), deltas.begin() + 500, deltas.end());
  return deltas[500];
}

std::string describe_match(const Route* route, const Params& params) {
  if (route == nullptr) return "no route";
  std::string out = describe(*route);
  for (const auto& p : params) out += fmt::format(" {}={}", p.name, p.value);
  return out;
}

bool same_match(const Route* a, const Params& pa, const Route* b, const Params& pb) {
  if (a != b || pa.size() != pb.size()) return false;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    if (pa[i].name != pb[i].name || pa[i].value != pb[i].value) return false;
  }
  return true;
}

}  // namespace

std::span<const AccessPattern> all_access_patterns() { return kPatterns; }

std::string_view to_string(AccessPattern p) { return kCatalog.name(p); }

std::optional<AccessPattern> parse_access_pattern(std::string_view name) { return kCatalog.parse(name); }

std::vector<ProbeRequest> requests_for_routes(const Router& router, std::size_t per_route) {
  std::vector<ProbeRequest> out;
  out.reserve(router.size() * per_route);
  for (std::size_t v = 0; v < per_route; ++v) {
    for (const auto& route : router.routes()) {
      // A route without parameters has one path only.
      if (v > 0 && route->param_names.empty()) continue;
      out.push_back({route->method, example_path(route->pattern, v)});
    }
  }
  return out;
}

std::vector<ProbeRequest> requests_from_table(const std::vector<RouteLine>& lines) {
  std::vector<ProbeRequest> out;
  out.reserve(lines.size());
  for (const auto& line : lines) out.push_back({line.method, line.path});
  return out;
}

std::uint32_t collision_prone_route_cache_hash(Method method, std::string_view path) {
  return default_route_cache_hash(method, path) & 63u;
}

PatternResult run_probe(const Router& router, std::span<const ProbeRequest> requests,
                        AccessPattern pattern, const ProbeConfig& config) {
  PatternResult result;
  result.pattern = pattern;
  result.lookups = config.lookups;
  result.cached_ns.reserve(config.lookups);
  result.uncached_ns.reserve(config.lookups);

  RouteCacheOptions cache_options = apply_defects(config.defects).route_cache;
  cache_options.capacity = config.capacity;
  cache_options.hash = config.hash;
  RouteCache cache(router, cache_options);
  AccessSequence sequence(pattern, requests.size(), config.seed);
  const double overhead = clock_overhead_ns();
  const std::uint64_t size_every = std::max<std::uint64_t>(1, config.lookups / std::max<std::size_t>(1, config.size_points));
  Params cached_params, direct_params;

  for (std::uint64_t i = 0; i < config.lookups; ++i) {
    const ProbeRequest& request = requests[sequence.next()];
    const auto t0 = Clock::now();
    const CacheLookup answer = cache.lookup(request.method, request.path, cached_params);
    const auto t1 = Clock::now();
    const Route* expected = router.match(request.method, request.path, direct_params);
    const auto t2 = Clock::now();
    result.cached_ns.push_back(std::max(0.0, std::chrono::duration<double, std::nano>(t1 - t0).count() - overhead));
    result.uncached_ns.push_back(std::max(0.0, std::chrono::duration<double, std::nano>(t2 - t1).count() - overhead));

    if (!same_match(answer.route, cached_params, expected, direct_params)) {
      ++result.wrong_answers;
      if (result.wrong_examples.size() < config.max_wrong_examples) {
        result.wrong_examples.push_back({fmt::format("{} {}", to_string(request.method), request.path),
                                         describe_match(expected, direct_params),
                                         describe_match(answer.route, cached_params)});
      }
    }
    result.max_size = std::max(result.max_size, cache.size());
    if ((i + 1) % size_every == 0 || i + 1 == config.lookups) {
      result.size_over_time.emplace_back(static_cast<double>(i + 1), static_cast<double>(cache.size()));
    }
    if (config.progress && (i + 1) % 4096 == 0) config.progress(i + 1);
  }
  if (config.progress) config.progress(config.lookups);

  result.hits = cache.stats().hits;
  result.misses = cache.stats().misses;
  result.evictions = cache.stats().evictions;
  result.final_size = cache.size();
  result.hit_rate = config.lookups == 0 ? 0 : static_cast<double>(result.hits) / static_cast<double>(config.lookups);
  return result;
}

std::vector<ProbeFinding> evaluate_probe(const PatternResult& result, std::size_t capacity,
                                         double min_hit_rate) {
  std::vector<ProbeFinding> findings;
  const auto pattern = to_string(result.pattern);
  if (result.wrong_answers > 0) {
    const auto& e = result.wrong_examples.front();
    findings.push_back({"wrong-answer",
                        fmt::format("{}: {} cached answers differ from the router; e.g. {} answered "
                                    "'{}' instead of '{}'",
                                    pattern, result.wrong_answers, e.request, e.got, e.expected),
                        static_cast<double>(result.wrong_answers)});
  }
  if (result.max_size > capacity) {
    // Still growing over the last quarter of the run: no bound in sight.
    const auto& pts = result.size_over_time;
    const bool growing = pts.size() >= 4 && pts.back().second > pts[pts.size() * 3 / 4].second;
    findings.push_back({"unbounded-growth",
                        fmt::format("{}: cache holds {} entries, beyond its capacity of {}{}", pattern,
                                    result.max_size, capacity,
                                    growing ? ", and was still growing at the end of the run" : ""),
                        static_cast<double>(result.max_size)});
  }
  if (result.pattern == AccessPattern::Hotspot && result.hit_rate < min_hit_rate) {
    findings.push_back({"low-hit-rate",
                        fmt::format("hotspot: hit rate {:.3f} under the minimum {:.3f} (capacity {})",
                                    result.hit_rate, min_hit_rate, capacity),
                        result.hit_rate});
  }
  return findings;
}

std::string explain_request(const Router& router, const ProbeRequest& request) {
  Params params;
  const Route* route = router.match(request.method, request.path, params);
  return fmt::format("{} {} -> {}", to_string(request.method), request.path, describe_match(route, params));
}

}  // namespace vigil::harness
