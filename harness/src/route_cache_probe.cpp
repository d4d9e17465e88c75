#include "vigil/harness/route_cache_probe.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "vigil/harness/catalog.hpp"
#include "vigil/harness/random.hpp"
#include "vigil/reports/statistics.hpp"

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

// A server routes a request it has just parsed: its path is in the
// first-level cache. Both sides get it so, and neither gets more.
void read_like_a_parser(std::string_view path) {
  std::uint64_t sum = 0;
  for (const char c : path) sum += static_cast<unsigned char>(c);
  asm volatile("" : : "r"(sum));
}

// The answers of one pass over a block of lookups, kept to compare the two
// passes once both are timed. Values are copied: a cached answer views the
// cache's own copy of the path, which later lookups overwrite.
class Answers {
 public:
  void clear() {
    answers_.clear();
    params_.clear();
    values_.clear();
  }
  void record(const Route* route, const Params& params) {
    answers_.push_back({route, static_cast<std::uint32_t>(params_.size()), static_cast<std::uint32_t>(params.size())});
    for (const auto& p : params) {
      params_.push_back({p.name, static_cast<std::uint32_t>(values_.size()), static_cast<std::uint32_t>(p.value.size())});
      values_ += p.value;
    }
  }
  bool same(std::size_t i, const Answers& other) const {
    const Answer& a = answers_[i];
    const Answer& b = other.answers_[i];
    if (a.route != b.route || a.count != b.count) return false;
    for (std::uint32_t k = 0; k < a.count; ++k) {
      if (params_[a.first + k].name != other.params_[b.first + k].name || value(a.first + k) != other.value(b.first + k)) {
        return false;
      }
    }
    return true;
  }
  // "GET /users/:user user=a", or "no route".
  std::string describe(std::size_t i) const {
    const Answer& a = answers_[i];
    if (a.route == nullptr) return "no route";
    std::string out = framework::describe(*a.route);
    for (std::uint32_t k = 0; k < a.count; ++k) out += fmt::format(" {}={}", params_[a.first + k].name, value(a.first + k));
    return out;
  }

 private:
  struct Answer {
    const Route* route;
    std::uint32_t first;  // in params_
    std::uint32_t count;
  };
  struct Recorded {
    std::string_view name;
    std::uint32_t offset;  // in values_
    std::uint32_t length;
  };
  std::string_view value(std::size_t k) const { return std::string_view(values_).substr(params_[k].offset, params_[k].length); }

  std::vector<Answer> answers_;
  std::vector<Recorded> params_;
  std::string values_;
};

// Lookups are timed in blocks, each block twice: through the cache and by
// the router alone, in separate passes (so neither side finds the other's
// work on the same path in the caches), the first pass alternating from
// block to block (so neither side is always first).
constexpr std::size_t kBlock = 1024;

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
  const auto elapsed = [overhead](Clock::time_point t0, Clock::time_point t1) {
    return std::max(0.0, std::chrono::duration<double, std::nano>(t1 - t0).count() - overhead);
  };
  Params params;
  std::vector<std::size_t> block;
  block.reserve(kBlock);
  Answers cached, direct;

  const auto cached_pass = [&](std::uint64_t done) {
    for (std::size_t k = 0; k < block.size(); ++k) {
      const ProbeRequest& request = requests[block[k]];
      read_like_a_parser(request.path);
      const auto t0 = Clock::now();
      const CacheLookup answer = cache.lookup(request.method, request.path, params);
      const auto t1 = Clock::now();
      result.cached_ns.push_back(elapsed(t0, t1));
      cached.record(answer.route, params);
      result.max_size = std::max(result.max_size, cache.size());
      const std::uint64_t i = done + k;
      if ((i + 1) % size_every == 0 || i + 1 == config.lookups) {
        result.size_over_time.emplace_back(static_cast<double>(i + 1), static_cast<double>(cache.size()));
      }
    }
  };
  const auto direct_pass = [&] {
    for (const std::size_t r : block) {
      const ProbeRequest& request = requests[r];
      read_like_a_parser(request.path);
      const auto t0 = Clock::now();
      const Route* route = router.match(request.method, request.path, params);
      const auto t1 = Clock::now();
      result.uncached_ns.push_back(elapsed(t0, t1));
      direct.record(route, params);
    }
  };

  for (std::uint64_t done = 0; done < config.lookups; done += block.size()) {
    block.clear();
    while (block.size() < kBlock && done + block.size() < config.lookups) block.push_back(sequence.next());
    cached.clear();
    direct.clear();
    if ((done / kBlock) % 2 == 0) {
      cached_pass(done);
      direct_pass();
    } else {
      direct_pass();
      cached_pass(done);
    }
    for (std::size_t k = 0; k < block.size(); ++k) {
      if (cached.same(k, direct)) continue;
      ++result.wrong_answers;
      if (result.wrong_examples.size() < config.max_wrong_examples) {
        const ProbeRequest& request = requests[block[k]];
        result.wrong_examples.push_back(
            {fmt::format("{} {}", to_string(request.method), request.path), direct.describe(k), cached.describe(k)});
      }
    }
    if (config.progress) config.progress(done + block.size());
  }

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
  const double cached_p50 = reports::percentile(result.cached_ns, 50);
  const double router_p50 = reports::percentile(result.uncached_ns, 50);
  if (cached_p50 > router_p50) {
    findings.push_back({"cache-slower-than-router",
                        fmt::format("{}: a lookup through the cache takes {:.0f} ns at the median, the router "
                                    "alone {:.0f} ns: at hit rate {:.3f} the cache costs more than it saves",
                                    pattern, cached_p50, router_p50, result.hit_rate),
                        cached_p50 / router_p50, reports::Severity::Warning});
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
