#include "vigil/framework/pipeline/metrics.hpp"

#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include "vigil/framework/pipeline/app.hpp"

namespace vigil::framework {
namespace {

// Resident set size of this process, from /proc/self/statm (0 if unreadable).
std::uint64_t process_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

struct Sources {
  const AppStats& app;
  std::uint64_t resident_bytes;
};

// One family with one unlabelled sample.
struct Family {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  double (*value)(const Sources&);
};

template <class T>
double as_double(T v) {
  return static_cast<double>(v);
}

constexpr std::array<Family, 15> kFamilies{{
    {"vigil_http_connections_live", "gauge", "Open client connections.",
     [](const Sources& s) { return as_double(s.app.live_sessions); }},
    {"vigil_pool_acquires_total", "counter", "Events acquired from the pool.",
     [](const Sources& s) { return as_double(s.app.pool.acquires); }},
    {"vigil_pool_reuses_total", "counter", "Acquires served by a recycled event.",
     [](const Sources& s) { return as_double(s.app.pool.reuses); }},
    {"vigil_pool_fresh_allocations_total", "counter", "Acquires that constructed an event.",
     [](const Sources& s) { return as_double(s.app.pool.fresh_allocations); }},
    {"vigil_pool_reuse_ratio", "gauge", "Reuses divided by acquires.",
     [](const Sources& s) { return s.app.pool.reuse_ratio(); }},
    {"vigil_route_cache_hits_total", "counter", "Route cache hits.",
     [](const Sources& s) { return as_double(s.app.route_cache.hits); }},
    {"vigil_route_cache_misses_total", "counter", "Route cache misses.",
     [](const Sources& s) { return as_double(s.app.route_cache.misses); }},
    {"vigil_route_cache_evictions_total", "counter", "Route cache evictions.",
     [](const Sources& s) { return as_double(s.app.route_cache.evictions); }},
    {"vigil_route_cache_entries", "gauge", "Entries held by the route caches.",
     [](const Sources& s) { return as_double(s.app.route_cache_entries); }},
    {"vigil_arena_bytes_reserved", "gauge", "Bytes the request arenas hold from the system.",
     [](const Sources& s) { return as_double(s.app.arena_bytes_reserved); }},
    {"vigil_arena_bytes_used", "gauge", "Bytes handed out by the arenas since their last reset.",
     [](const Sources& s) { return as_double(s.app.arena_bytes_used); }},
    {"vigil_buffer_history_entries", "gauge", "Entries in the connections' buffer histories.",
     [](const Sources& s) { return as_double(s.app.history_entries); }},
    {"vigil_batch_workers_started_total", "counter", "Background batch workers started.",
     [](const Sources& s) { return as_double(s.app.batch_workers_started); }},
    {"vigil_rate_limited_total", "counter", "Requests refused by the rate limiter.",
     [](const Sources& s) { return as_double(s.app.rate_limited); }},
    {"process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
     [](const Sources& s) { return as_double(s.resident_bytes); }},
}};

}  // namespace

void append_prometheus_text(const AppStats& stats, std::string& out) {
  auto it = std::back_inserter(out);
  auto header = [&](std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(it, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  // The one labelled family: a sample per status code.
  header("vigil_http_requests_total", "counter", "Responses sent, by status code.");
  for (auto [code, n] : stats.responses_by_status) {
    fmt::format_to(it, "vigil_http_requests_total{{code=\"{}\"}} {}\n", code, n);
  }
  const Sources sources{stats, process_rss_bytes()};
  for (const Family& f : kFamilies) {
    header(f.name, f.type, f.help);
    fmt::format_to(it, "{} {}\n", f.name, f.value(sources));
  }
}

}  // namespace vigil::framework
