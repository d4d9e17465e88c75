// vigil-bench's allocs_per_iter counts each allocation once, on one thread
// or on several: every iteration of BM_NewDeleteEvent makes exactly one
// allocation, so the figure is exactly 1 whatever the thread count. (A
// process-wide counter read by each thread counted the other threads'
// allocations too, and reported 2 at two threads.)

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/tool_run.hpp"

namespace {

#ifdef VIGIL_BENCH_BIN
double allocs_per_iter(const std::string& benchmark_name) {
  vigil::test::ScratchDir dir("vigil-bench-test");
  const auto run = vigil::test::run_tool(
      VIGIL_BENCH_BIN,
      {"--benchmark_filter=^" + benchmark_name + "$", "--benchmark_min_time=0.01", "--benchmark_format=json"},
      dir);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const auto doc = nlohmann::json::parse(run.out);
  for (const auto& b : doc.at("benchmarks")) {
    if (b.at("name") == benchmark_name) return b.at("allocs_per_iter").get<double>();
  }
  ADD_FAILURE() << benchmark_name << " not in the output:\n" << run.out;
  return -1;
}

TEST(VigilBenchAllocCounter, OneAllocationPerIterationOnOneThread) {
  EXPECT_DOUBLE_EQ(allocs_per_iter("BM_NewDeleteEvent/real_time/threads:1"), 1.0);
}

TEST(VigilBenchAllocCounter, EachThreadsAllocationsCountedOnce) {
  EXPECT_DOUBLE_EQ(allocs_per_iter("BM_NewDeleteEvent/real_time/threads:2"), 1.0);
  EXPECT_DOUBLE_EQ(allocs_per_iter("BM_NewDeleteRequestOfFourEvents/real_time/threads:2"), 4.0);
}
#else
TEST(VigilBenchAllocCounter, NeedsTheBenchmarks) { GTEST_SKIP() << "vigil-bench is not built in this flavour"; }
#endif

}  // namespace
