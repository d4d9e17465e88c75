// One CPU profile at a time per process: a second one is refused, or waits
// for the first to stop when asked to.
#include "vigil/profilers/cpu_profiler.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace vigil::profilers {
namespace {

using namespace std::chrono_literals;

TEST(CpuProfiler, ASecondProfileIsRefusedWhileOneIsTaken) {
  CpuProfiler first(99);
  EXPECT_THROW(CpuProfiler(99), CpuProfilerError);
  EXPECT_THROW(CpuProfiler(99, CpuProfiler::kDefaultDepth, 20ms), CpuProfilerError);
  first.stop();
  EXPECT_NO_THROW(CpuProfiler(99));
}

TEST(CpuProfiler, ASecondProfileWaitsForTheFirstToStop) {
  std::promise<void> waiting;
  std::future<void> second;
  {
    CpuProfiler first(99);
    second = std::async(std::launch::async, [&waiting] {
      waiting.set_value();
      CpuProfiler(99, CpuProfiler::kDefaultDepth, 10s).stop();
    });
    waiting.get_future().wait();
    std::this_thread::sleep_for(50ms);
    first.stop();
  }
  ASSERT_EQ(second.wait_for(10s), std::future_status::ready);
  EXPECT_NO_THROW(second.get());
}

TEST(CpuProfiler, AnUnusableRateIsRefusedAtOnce) {
  EXPECT_THROW(CpuProfiler(0, CpuProfiler::kDefaultDepth, 10s), CpuProfilerError);
  EXPECT_THROW(CpuProfiler(CpuProfiler::kMaxHz + 1), CpuProfilerError);
}

}  // namespace
}  // namespace vigil::profilers
