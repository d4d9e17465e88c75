// A user's own Google Benchmark binary, as anyone writes one (BENCHMARK_MAIN,
// nothing of Vigil's): vigil-count must count it unmodified. Built twice: as
// is, and with VIGIL_TEST_EXTRA_WORK, where BM_Sum does 2% more work (the
// small deliberate change the gate must catch).

#include <cstdint>
#include <numeric>
#include <vector>

#include <benchmark/benchmark.h>

namespace {

#ifdef VIGIL_TEST_EXTRA_WORK
constexpr std::int64_t kExtraPercent = 2;
#else
constexpr std::int64_t kExtraPercent = 0;
#endif

std::uint64_t checksum(const std::vector<std::uint64_t>& data) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::uint64_t v : data) h = (h ^ v) * 1099511628211ull;
  return h;
}

std::vector<std::uint64_t> make_data(std::int64_t n) {
  std::vector<std::uint64_t> data(static_cast<std::size_t>(n));
  std::iota(data.begin(), data.end(), 1);
  return data;
}

void BM_Sum(benchmark::State& state) {
  const auto data = make_data(state.range(0) + state.range(0) * kExtraPercent / 100);
  for (auto _ : state) benchmark::DoNotOptimize(checksum(data));
}
BENCHMARK(BM_Sum)->Arg(1000)->Arg(2000);

// Heavy set-up per iteration behind PauseTiming: only the checksum of 1000
// values is measured, as in BM_Sum/1000.
void BM_PausedSetUp(benchmark::State& state) {
  const auto data = make_data(1000);
  for (auto _ : state) {
    state.PauseTiming();
    benchmark::DoNotOptimize(make_data(5000));
    state.ResumeTiming();
    benchmark::DoNotOptimize(checksum(data));
  }
}
BENCHMARK(BM_PausedSetUp);

void BM_SharedSum(benchmark::State& state) {
  const auto data = make_data(1000);
  for (auto _ : state) benchmark::DoNotOptimize(checksum(data));
}
BENCHMARK(BM_SharedSum)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
