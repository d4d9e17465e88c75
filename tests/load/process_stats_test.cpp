// What vigil-load reads from /proc about a server: the run-queue wait that
// tells a machine shared with other work from a server's threads queueing
// behind one another.
#include <gtest/gtest.h>
#include <unistd.h>

#include "vigil/harness/load/machine_probe.hpp"
#include "vigil/harness/load/process_stats.hpp"

namespace {

using vigil::harness::load::read_process;
using vigil::harness::load::steal_seconds;
using vigil::harness::load::waiting_for_other_work;

TEST(ProcessStats, AServerUsingAllItsCpusWasKeptWaitingOnlyByItself) {
  // Pinned to one CPU and busy 0.98 of it: its threads waited for each other.
  EXPECT_NEAR(waiting_for_other_work(0.5, 0.98, 1), 0.02, 1e-9);
  EXPECT_EQ(waiting_for_other_work(0.5, 1.0, 1), 0.0);
}

TEST(ProcessStats, AServerShortOfCpuWasKeptWaitingByOtherWork) {
  // Two CPUs allowed, 0.6 used: the whole wait can be other work's.
  EXPECT_DOUBLE_EQ(waiting_for_other_work(0.3, 0.6, 2), 0.3);
  // One CPU, 0.7 used: no more than the 0.3 it went without.
  EXPECT_NEAR(waiting_for_other_work(0.5, 0.7, 1), 0.3, 1e-9);
}

TEST(ProcessStats, AnUnknownAffinityKeepsTheWholeWait) {
  EXPECT_DOUBLE_EQ(waiting_for_other_work(0.4, 1.0, 0), 0.4);
}

// The host's steal time counts on the server's CPUs only.
TEST(ProcessStats, StealTimeOfTheGivenCpus) {
  const std::string stat =
      "cpu  600 0 80 60 0 0 20 300 0 0\n"
      "cpu0 300 0 40 30 0 0 10 100 0 0\n"
      "cpu1 300 0 40 30 0 0 10 200 0 0\n"
      "intr 12345 0 0\n";
  const double tick = 1.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(1, &cpus);
  EXPECT_DOUBLE_EQ(steal_seconds(stat, cpus), 200 * tick);
  CPU_SET(0, &cpus);
  EXPECT_DOUBLE_EQ(steal_seconds(stat, cpus), 300 * tick);
  CPU_ZERO(&cpus);
  EXPECT_EQ(steal_seconds(stat, cpus), 0);
}

TEST(ProcessStats, ReadsThisProcessesAffinity) {
  const auto stats = read_process(::getpid());
  ASSERT_TRUE(stats);
  EXPECT_GE(stats->cpus_allowed, 1);
  EXPECT_LE(stats->cpus_allowed, static_cast<int>(::sysconf(_SC_NPROCESSORS_CONF)));
  EXPECT_GT(stats->rss_bytes, 0);
}

// The probe does real work each time (no speed asserted: the machines are shared).
TEST(MachineProbe, TakesCpuTime) {
  EXPECT_GT(vigil::harness::load::machine_probe_ns(), 0);
  EXPECT_LT(vigil::harness::load::machine_probe_ns(), 1e9);
  EXPECT_GT(vigil::harness::load::machine_probe_ns_beside(::getpid()), 0);
  EXPECT_GT(vigil::harness::load::machine_probe_ns_beside(0), 0);
}

}  // namespace
