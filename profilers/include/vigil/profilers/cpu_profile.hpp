#pragma once
// A CPU profile from raw samples: each sample's addresses symbolized by the
// libdw symbolizer (inlined calls expanded into frames of their own),
// turned outermost first, and identical stacks merged with their counts
// (shares by function: reports/profile_shares.hpp).

#include <cstdint>
#include <string>
#include <vector>

#include "vigil/profilers/capture.hpp"
#include "vigil/reports/profile.hpp"

namespace vigil::profilers {

// Raw samples of one process, as the sampler stores them.
struct RawSamples {
  std::vector<CpuSample> stacks;
  std::vector<Module> modules;  // the process's module map
  std::uint64_t threads = 0;
  std::uint64_t dropped = 0;
};

// Symbolizes and merges `raw` into `into`, one count per sample taken;
// `into` may already hold another process's stacks. Returns the sampling
// periods the samples stand for (their weights' sum).
//
// Why counts are samples and not periods: the kernel checks CPU timers at
// scheduler ticks, so a sample may stand for several periods (its weight),
// and how many depends on the scheduling, not on the code that was
// running. Weighted counts would be as right on average but much noisier
// (one stall gives one stack dozens of periods); the CPU time is kept in
// period_seconds instead (set_cpu_time).
std::uint64_t add_samples(reports::Profile& into, const RawSamples& raw);

// Sets `profile.period_seconds` so that its samples add up to the CPU time
// of `periods` sampling periods at `hz`.
void set_cpu_time(reports::Profile& profile, std::uint64_t periods, double hz);

}  // namespace vigil::profilers
