#pragma once
// Sampling CPU profiler of the calling process (in-process profiling: the
// reference core under vigil-profile --scenario, vigil-server's
// /debug/pprof endpoints). Every thread of the process gets a CPU-time timer
// (threads started meanwhile are picked up within 20 ms by a watcher
// thread); SIGPROF samples are walked and stored without locks or heap
// (the preload's sampler, sampling/cpu_sampler.hpp), and symbolized when
// the profile is taken. One profile at a time per process.

#include <chrono>
#include <memory>
#include <stdexcept>

#include "vigil/reports/profile.hpp"

namespace vigil::profilers {

// Another CpuProfiler is running, or SIGPROF/timers/memory are not available.
class CpuProfilerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CpuProfiler {
 public:
  static constexpr unsigned kMaxHz = 10000;
  static constexpr unsigned kDefaultDepth = 64;
  // Starts sampling every thread at `hz` (1..kMaxHz) per CPU-second, with
  // up to `depth` frames per sample. When another profile is being taken,
  // waits up to `wait_for_other` for it to stop. Throws CpuProfilerError.
  explicit CpuProfiler(unsigned hz, unsigned depth = kDefaultDepth,
                       std::chrono::milliseconds wait_for_other = std::chrono::milliseconds(0));
  ~CpuProfiler();
  CpuProfiler(const CpuProfiler&) = delete;
  CpuProfiler& operator=(const CpuProfiler&) = delete;

  // Stops sampling and returns the profile (once; afterwards empty).
  reports::Profile stop();
  // Samples lost so far because the store was full.
  std::uint64_t dropped() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::profilers
