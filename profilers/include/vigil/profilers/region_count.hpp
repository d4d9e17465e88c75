#pragma once
// vigil-count --regions: counts the regions any program marks with
// <vigil/count.h> (VIGIL_COUNT_BEGIN / VIGIL_COUNT_END("name")) under
// Callgrind, the same fixed way as benchmarks (environment, no address
// randomisation, simulated cache). Each END writes a dump named after its
// region; a region's figure is the mean over its executions.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "vigil/profilers/benchmark_count.hpp"
#include "vigil/profilers/callgrind_dump.hpp"

namespace vigil::profilers {

// The dump trigger of VIGIL_COUNT_END("name") is this prefix and the name.
inline constexpr std::string_view kRegionTrigger = "Client Request: vigil-count:";

struct RegionOptions {
  std::vector<std::string> command;  // PROG [ARGS...]
  std::chrono::seconds timeout{600};
  std::vector<std::string> environment;  // NAME=value: the program's whole environment
};

struct RegionCount {
  std::string name;
  std::uint64_t executions = 0;
  EventCounts per_execution;
  std::vector<FunctionShare> functions;  // own instructions per execution, largest first
};

struct RegionResult {
  std::vector<RegionCount> regions;  // by name
  std::string valgrind;
};

// Throws CountError when the program cannot run, fails, or marks no region.
RegionResult count_regions(const RegionOptions& options);

// The regions of a run's dumps (with functions), by name.
std::vector<RegionCount> regions_from_dumps(const std::vector<CallgrindDump>& dumps);

}  // namespace vigil::profilers
