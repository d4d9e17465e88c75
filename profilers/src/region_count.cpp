#include "vigil/profilers/region_count.hpp"

#include <map>

#include <fmt/format.h>

#include "callgrind_run.hpp"
#include "vigil/profilers/fixed_run.hpp"
#include "vigil/profilers/function_shares.hpp"

namespace vigil::profilers {

std::vector<RegionCount> regions_from_dumps(const std::vector<CallgrindDump>& dumps) {
  struct Sum {
    std::uint64_t executions = 0;
    EventCounts counts;
    FunctionTally functions;
  };
  std::map<std::string, Sum> sums;
  for (const auto& d : dumps) {
    if (!d.trigger.starts_with(kRegionTrigger)) continue;
    Sum& s = sums[d.trigger.substr(kRegionTrigger.size())];
    ++s.executions;
    s.counts += d.totals;
    s.functions.add(d);
  }
  std::vector<RegionCount> regions;
  for (const auto& [name, s] : sums) {
    const auto n = static_cast<double>(s.executions);
    regions.push_back({name, s.executions, s.counts / n, s.functions.shares(n)});
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
