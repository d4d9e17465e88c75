#pragma once
// Benchmarks that look up a whole route set per iteration report per lookup
// too: items per second and `lookup_time`, beside the per-iteration time.

#include <cstddef>
#include <cstdint>

#include <benchmark/benchmark.h>

namespace vigil::bench {

inline void report_per_lookup(benchmark::State& state, std::size_t lookups) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lookups));
  state.counters["lookup_time"] = benchmark::Counter(
      static_cast<double>(lookups), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

}  // namespace vigil::bench
