// Event pool acquire+release against new+delete of the same Event, on one
// and two threads. The pool is built with vigil-bench's --defect set, so
// `--defect pool-mutex` or `--defect pool-no-reuse` shows in a diff.

#include <benchmark/benchmark.h>

#include "alloc_counter.hpp"
#include "core_options.hpp"
#include "vigil/framework/memory/event_pool.hpp"

namespace {

using vigil::framework::Event;
using vigil::framework::EventPool;

// Shared by the benchmark's threads; built once with the active defects.
EventPool& shared_pool() {
  static EventPool pool(vigil::bench::core_options().pool);
  return pool;
}

void BM_PoolAcquireRelease(benchmark::State& state) {
  EventPool& pool = shared_pool();
  vigil::bench::AllocationScope allocations(state);
  for (auto _ : state) {
    Event* e = pool.acquire();
    benchmark::DoNotOptimize(e);
    pool.release(e);
  }
  allocations.report();
}
BENCHMARK(BM_PoolAcquireRelease)->Threads(1)->Threads(2)->UseRealTime();

void BM_NewDeleteEvent(benchmark::State& state) {
  vigil::bench::AllocationScope allocations(state);
  for (auto _ : state) {
    Event* e = new Event();
    benchmark::DoNotOptimize(e);
    delete e;
  }
  allocations.report();
}
BENCHMARK(BM_NewDeleteEvent)->Threads(1)->Threads(2)->UseRealTime();

// A request holding several events at once (request, sub-requests), the
// pattern under which a one-mutex pool contends.
constexpr int kHeld = 4;

void BM_PoolRequestOfFourEvents(benchmark::State& state) {
  EventPool& pool = shared_pool();
  vigil::bench::AllocationScope allocations(state);
  for (auto _ : state) {
    Event* held[kHeld];
    for (auto& e : held) e = pool.acquire();
    benchmark::DoNotOptimize(held);
    for (auto* e : held) pool.release(e);
  }
  allocations.report();
}
BENCHMARK(BM_PoolRequestOfFourEvents)->Threads(1)->Threads(2)->UseRealTime();

void BM_NewDeleteRequestOfFourEvents(benchmark::State& state) {
  vigil::bench::AllocationScope allocations(state);
  for (auto _ : state) {
    Event* held[kHeld];
    for (auto& e : held) e = new Event();
    benchmark::DoNotOptimize(held);
    for (auto* e : held) delete e;
  }
  allocations.report();
}
BENCHMARK(BM_NewDeleteRequestOfFourEvents)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
