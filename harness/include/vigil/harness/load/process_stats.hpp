#pragma once
// What /proc says about a process and the processes it started (a server's
// workers): resident memory, CPU time, and time spent runnable but waiting
// for a CPU (schedstat), which tells a server slowed by its own work from one
// starved by the rest of the machine.

#include <sched.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "vigil/harness/load/run_record.hpp"

namespace vigil::harness::load {

struct ProcessStats {
  double rss_bytes = 0;
  double cpu_seconds = 0;        // user + system, all threads, since start
  double run_queue_seconds = 0;  // waiting on a run queue, live threads
  int cpus_allowed = 0;          // the CPUs its affinity lets it run on (0: unknown)
  double steal_seconds = 0;      // the hypervisor's steal time on those CPUs, since boot
};

// `pid` and its descendants, summed (the CPUs and their steal time are
// `pid`'s); nullopt when `pid` is gone.
std::optional<ProcessStats> read_process_tree(pid_t pid);
// One process only.
std::optional<ProcessStats> read_process(pid_t pid);

// Steal time (seconds: time a virtual CPU wanted to run and the host ran
// something else) summed over the CPUs in `cpus`, from /proc/stat's text.
double steal_seconds(const std::string& proc_stat, const cpu_set_t& cpus);

// Of the cores' worth of time a process's threads waited on a run queue, the
// part other work can have caused: no more than the CPU it went without of
// the `cpus_allowed` it may use (all of it when that is unknown, 0).
double waiting_for_other_work(double waiting_cores, double cpu_cores, int cpus_allowed);

// The /proc figures of a server (when it has a pid) and of this process at
// each window boundary, as per-window shares: the server's RSS at the end,
// its CPU and run-queue time in cores (only the wait that other work caused:
// see window_ended); this generator's CPU and wait as a share of the CPUs it
// may use (`generator_cpus`).
class ProcessSampler {
 public:
  ProcessSampler(pid_t server, double generator_cpus) : server_(server), generator_cpus_(generator_cpus) {}

  // The figures at the start of the first window (`now`, monotonic ns).
  void baseline(std::int64_t now);
  // Fills `w` with the window that ends `now`.
  void window_ended(std::int64_t now, Window& w);

 private:
  struct Sample {
    bool valid = false;
    ProcessStats stats;
  };
  void take(std::int64_t now, Sample& server, Sample& self);

  pid_t server_;
  double generator_cpus_;
  std::int64_t last_ = 0;
  Sample server_last_, self_last_;
};

// The CPUs this process may run on.
std::vector<int> allowed_cpus();
// Keeps the calling thread (and threads it starts later) on `cpus`; nothing
// when empty.
void pin_to(const std::vector<int>& cpus);

}  // namespace vigil::harness::load
