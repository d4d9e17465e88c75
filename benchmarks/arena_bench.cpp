// A request's worth of small allocations: bump allocation with one reset
// against malloc/free of the same sizes.

#include <array>
#include <cstdlib>

#include <benchmark/benchmark.h>

#include "alloc_counter.hpp"
#include "vigil/framework/memory/arena.hpp"

namespace {

// Sizes of a typical request's scratch allocations (parsed fields, copies).
constexpr std::array<std::size_t, 16> kSizes = {24, 48, 16, 128, 32, 64, 200, 40,
                                                 16, 96, 256, 24, 80, 32, 512, 48};

void BM_ArenaRequestAllocations(benchmark::State& state) {
  // Always reset: the arena-no-reset defect would grow without bound here.
  vigil::framework::Arena arena;
  vigil::bench::AllocationScope allocations(state);
  for (auto _ : state) {
    for (std::size_t size : kSizes) benchmark::DoNotOptimize(arena.allocate(size, 8));
    arena.reset();
  }
  allocations.report();
}
BENCHMARK(BM_ArenaRequestAllocations);

void BM_MallocRequestAllocations(benchmark::State& state) {
  vigil::bench::AllocationScope allocations(state);
  std::array<void*, kSizes.size()> blocks{};
  for (auto _ : state) {
    for (std::size_t i = 0; i < kSizes.size(); ++i) {
      blocks[i] = std::malloc(kSizes[i]);
      benchmark::DoNotOptimize(blocks[i]);
    }
    for (void* p : blocks) std::free(p);
  }
  allocations.report();
}
BENCHMARK(BM_MallocRequestAllocations);

}  // namespace
