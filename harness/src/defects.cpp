#include "vigil/harness/defects.hpp"

#include <array>
#include <iterator>

#include <fmt/format.h>

#include "vigil/harness/catalog.hpp"

namespace vigil::harness {
namespace {

constexpr Flagger kLeakTest{"vigil-leak-test", ""};
constexpr Flagger kLoad{"vigil-load", ""};
constexpr Flagger kRouteCache{"vigil-route-cache", ""};
constexpr Flagger kPool{"vigil-pool", ""};
constexpr Flagger kBenchDiff{"vigil-bench", "diff (allocs/op)"};
constexpr Flagger kCount{"vigil-count", ""};

constexpr std::array kLeakTestAndLoad{kLeakTest, kLoad};
constexpr std::array kRouteCacheOnly{kRouteCache};
constexpr std::array kLeakTestAndRouteCache{kLeakTest, kRouteCache};
constexpr std::array kPoolOnly{kPool};
constexpr std::array kLeakTestOnly{kLeakTest};
constexpr std::array kBenchDiffAndCount{kBenchDiff, kCount};

constexpr std::array kDefects = {
    DefectInfo{Defect::EventPoolLeak, "event-pool-leak",
               "pool reset clears its maps but leaves the owned key/value strings allocated", kLeakTestAndLoad},
    DefectInfo{Defect::RouteCacheHashOnly, "route-cache-hash-only",
               "route cache compares keys by hash alone; a collision returns the wrong route", kRouteCacheOnly},
    DefectInfo{Defect::RouteCacheUnbounded, "route-cache-unbounded", "route cache never evicts",
               kLeakTestAndRouteCache},
    DefectInfo{Defect::PoolNoReuse, "pool-no-reuse", "released events are freed instead of recycled", kPoolOnly},
    DefectInfo{Defect::PoolMutex, "pool-mutex",
               "pool guarded by one mutex; acquire slower than plain allocation under threads", kPoolOnly},
    DefectInfo{Defect::HistoryUnbounded, "history-unbounded",
               "connection buffer-size history pruned by age only, so bursts grow it without limit", kLeakTestOnly},
    DefectInfo{Defect::ThreadLeak, "thread-leak",
               "a background worker per request batch is started and never joined; every request polls the "
               "workers still running",
               kLeakTestAndLoad},
    DefectInfo{Defect::MiddlewareAlloc, "middleware-alloc",
               "middleware formats into fresh heap strings on every request", kBenchDiffAndCount},
    DefectInfo{Defect::ArenaNoReset, "arena-no-reset", "request arena is never reset", kLeakTestAndLoad},
};
constexpr Catalog<DefectInfo> kCatalog{kDefects};

// What switching `d` on changes, in the component it lives in.
void apply_defect(Defect d, framework::AppOptions& o) {
  using namespace framework;
  switch (d) {
    case Defect::EventPoolLeak: o.pool.reset = EventReset::ClearsMapsOnly; break;
    case Defect::RouteCacheHashOnly: o.route_cache.key_comparison = KeyComparison::HashOnly; break;
    case Defect::RouteCacheUnbounded: o.route_cache.bounded = false; break;
    case Defect::PoolNoReuse: o.pool.strategy = PoolStrategy::Free; break;
    case Defect::PoolMutex: o.pool.locking = PoolLocking::OneMutex; break;
    case Defect::HistoryUnbounded: o.history.pruning = HistoryPruning::AgeOnly; break;
    case Defect::ThreadLeak: o.batch.join_workers = false; break;
    case Defect::MiddlewareAlloc: o.formatting = Formatting::FreshHeapStrings; break;
    case Defect::ArenaNoReset: o.arena.reset_per_request = false; break;
  }
}

}  // namespace

std::span<const DefectInfo> defect_catalog() { return kCatalog.entries(); }

std::string_view defect_name(Defect d) { return kCatalog.name(d); }

std::optional<Defect> parse_defect(std::string_view name) { return kCatalog.parse(name); }

std::vector<std::string> DefectSet::names() const {
  std::vector<std::string> out;
  for (const auto& info : kDefects) {
    if (has(info.value)) out.emplace_back(info.name);
  }
  return out;
}

std::optional<DefectSet> DefectSet::parse(std::span<const std::string> names, std::string& error) {
  DefectSet set;
  for (const auto& name : names) {
    auto d = parse_defect(name);
    if (!d) {
      error = fmt::format("unknown defect '{}' (see --list-defects)", name);
      return std::nullopt;
    }
    set.enable(*d);
  }
  return set;
}

framework::AppOptions apply_defects(const DefectSet& defects, framework::AppOptions options) {
  for (const auto& info : kDefects) {
    if (defects.has(info.value)) apply_defect(info.value, options);
  }
  return options;
}

std::string format_flagged_by(const DefectInfo& info) {
  std::string out;
  for (const Flagger& f : info.flagged_by) {
    if (!out.empty()) out += ", ";
    out += f.tool;
    if (!f.how.empty()) fmt::format_to(std::back_inserter(out), " {}", f.how);
  }
  return out;
}

bool must_flag(const DefectInfo& info, std::string_view tool) {
  for (const Flagger& f : info.flagged_by) {
    if (f.tool == tool) return true;
  }
  return false;
}

std::string format_defect_catalog() {
  std::string out;
  for (const auto& info : kDefects) {
    out += fmt::format("{:<24} {}\n{:<24} flagged by: {}\n", info.name, info.bug, "", format_flagged_by(info));
  }
  return out;
}

}  // namespace vigil::harness
