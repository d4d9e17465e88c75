#include "vigil/profilers/region_count.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "callgrind_run.hpp"
#include "vigil/profilers/fixed_run.hpp"

namespace vigil::profilers {

namespace {
constexpr double kSmallestShare = 0.005;
constexpr std::size_t kMostFunctions = 50;
}  // namespace

std::vector<RegionCount> regions_from_dumps(const std::vector<CallgrindDump>& dumps) {
  struct Sum {
    std::uint64_t executions = 0;
    EventCounts counts;
    std::map<std::pair<std::string, std::string>, FunctionShare> functions;
  };
  std::map<std::string, Sum> sums;
  for (const auto& d : dumps) {
    if (!d.trigger.starts_with(kRegionTrigger)) continue;
    Sum& s = sums[d.trigger.substr(kRegionTrigger.size())];
    ++s.executions;
    s.counts += d.totals;
    for (const auto& f : d.functions) {
      auto& share = s.functions[{f.object, f.function}];
      if (share.function.empty()) {
        share.function = f.function;
        share.module = std::filesystem::path(f.object).filename().string();
        share.file = f.file;
      }
      share.instructions += f.self[Event::Ir];
    }
  }
  std::vector<RegionCount> regions;
  for (auto& [name, s] : sums) {
    RegionCount r{name, s.executions, s.counts / static_cast<double>(s.executions), {}};
    for (auto& [key, share] : s.functions) {
      share.instructions /= static_cast<double>(s.executions);
      if (std::abs(share.instructions) >= kSmallestShare) r.functions.push_back(std::move(share));
    }
    std::stable_sort(r.functions.begin(), r.functions.end(),
                     [](const FunctionShare& a, const FunctionShare& b) { return a.instructions > b.instructions; });
    if (r.functions.size() > kMostFunctions) r.functions.resize(kMostFunctions);
    regions.push_back(std::move(r));
  }
  return regions;
}

RegionResult count_regions(const RegionOptions& o) {
  if (o.command.empty()) throw CountError("no program to run (vigil-count --regions [options] -- PROG [ARGS...])");
  const auto program = detail::resolve_program(o.command[0]);
  const auto valgrind = detail::find_valgrind();
  detail::RunFolder folder;
  FixedRunOptions run;
  run.argv = detail::callgrind_argv(valgrind, folder, {}, program, {o.command.begin() + 1, o.command.end()});
  run.environment = o.environment;
  run.timeout = o.timeout;
  run.stdout_file = folder.path() / "stdout.txt";
  const FixedRunResult r = run_fixed(run);
  if (!r.exited || r.exit_code != 0) {
    throw CountError(detail::with_last_message(
        fmt::format("{}: {} under valgrind", o.command[0], r.describe(o.timeout)), r));
  }
  const auto dumps = detail::read_dumps(folder, true, false);
  RegionResult result;
  result.regions = regions_from_dumps(dumps);
  if (!dumps.empty()) result.valgrind = dumps.front().creator;
  if (result.regions.empty()) {
    throw CountError(fmt::format("{} marked no region (VIGIL_COUNT_BEGIN/VIGIL_COUNT_END of <vigil/count.h>)",
                                 o.command[0]));
  }
  return result;
}

}  // namespace vigil::profilers
