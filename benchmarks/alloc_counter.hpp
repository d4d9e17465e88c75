#pragma once
// Counts heap allocations made by this process (malloc family and operator
// new), so every benchmark can report allocations per iteration.

#include <cstdint>

#include <benchmark/benchmark.h>

namespace vigil::bench {

// Allocations made so far by all threads.
std::uint64_t allocation_count();

// Takes the count at construction; report() sets the "allocs_per_iter"
// counter from the allocations made since, divided by the iterations run.
class AllocationScope {
 public:
  explicit AllocationScope(benchmark::State& state) : state_(state), start_(allocation_count()) {}
  void report() {
    const auto made = allocation_count() - start_;
    state_.counters["allocs_per_iter"] = benchmark::Counter(
        static_cast<double>(made), benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  std::uint64_t start_;
};

}  // namespace vigil::bench
