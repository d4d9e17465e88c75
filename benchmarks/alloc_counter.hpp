#pragma once
// Counts heap allocations made by this process (malloc family and operator
// new), so every benchmark can report allocations per iteration.

#include <cstdint>

#include <benchmark/benchmark.h>

namespace vigil::bench {

// Allocations made so far by the calling thread.
std::uint64_t thread_allocation_count();

// Takes the calling thread's count at construction; report() sets the
// "allocs_per_iter" counter from the allocations this thread made since.
// Google Benchmark sums a counter over the benchmark's threads and
// kAvgIterations divides by the iterations of all threads, so a
// multi-threaded benchmark reports allocations per iteration, each counted
// once.
class AllocationScope {
 public:
  explicit AllocationScope(benchmark::State& state) : state_(state), start_(thread_allocation_count()) {}
  void report() {
    const auto made = thread_allocation_count() - start_;
    state_.counters["allocs_per_iter"] = benchmark::Counter(
        static_cast<double>(made), benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  std::uint64_t start_;
};

}  // namespace vigil::bench
