#include "vigil/framework/defects.hpp"

#include <array>

#include <fmt/format.h>

namespace vigil::framework {
namespace {

constexpr std::array kCatalog = {
    DefectInfo{Defect::EventPoolLeak, "event-pool-leak",
               "pool reset clears its maps but leaves the owned key/value strings allocated",
               "leak-test, load-test"},
    DefectInfo{Defect::RouteCacheHashOnly, "route-cache-hash-only",
               "route cache compares keys by hash alone; a collision returns the wrong route",
               "route-cache"},
    DefectInfo{Defect::RouteCacheUnbounded, "route-cache-unbounded", "route cache never evicts",
               "leak-test, route-cache"},
    DefectInfo{Defect::PoolNoReuse, "pool-no-reuse",
               "released events are freed instead of recycled", "pool-reuse"},
    DefectInfo{Defect::PoolMutex, "pool-mutex",
               "pool guarded by one mutex; acquire slower than plain allocation under threads",
               "pool-reuse"},
    DefectInfo{Defect::HistoryUnbounded, "history-unbounded",
               "connection buffer-size history pruned by age only, so bursts grow it without limit",
               "leak-test"},
    DefectInfo{Defect::ThreadLeak, "thread-leak",
               "a background worker per request batch is started and never joined", "leak-test"},
    DefectInfo{Defect::MiddlewareAlloc, "middleware-alloc",
               "middleware formats into fresh heap strings on every request",
               "benchmark diff (allocs/op, time)"},
    DefectInfo{Defect::ArenaNoReset, "arena-no-reset", "request arena is never reset",
               "leak-test, load-test"},
};

}  // namespace

std::span<const DefectInfo> defect_catalog() { return kCatalog; }

std::string_view defect_name(Defect d) { return kCatalog[static_cast<std::size_t>(d)].name; }

std::optional<Defect> parse_defect(std::string_view name) {
  for (const auto& info : kCatalog) {
    if (info.name == name) return info.defect;
  }
  return std::nullopt;
}

std::vector<std::string> DefectSet::names() const {
  std::vector<std::string> out;
  for (const auto& info : kCatalog) {
    if (has(info.defect)) out.emplace_back(info.name);
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

std::string format_defect_catalog() {
  std::string out;
  for (const auto& info : kCatalog) {
    out += fmt::format("{:<24} {}\n{:<24} flagged by: {}\n", info.name, info.bug, "", info.flagged_by);
  }
  return out;
}

}  // namespace vigil::framework
