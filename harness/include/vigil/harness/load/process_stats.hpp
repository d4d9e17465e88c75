#pragma once
// What /proc says about a process and the processes it started (a server's
// workers): resident memory, CPU time, and time spent runnable but waiting
// for a CPU (schedstat), which tells a server slowed by its own work from one
// starved by the rest of the machine.

#include <sys/types.h>

#include <optional>
#include <vector>

namespace vigil::harness::load {

struct ProcessStats {
  double rss_bytes = 0;
  double cpu_seconds = 0;        // user + system, all threads, since start
  double run_queue_seconds = 0;  // waiting on a run queue, live threads
};

// `pid` and its descendants, summed; nullopt when `pid` is gone.
std::optional<ProcessStats> read_process_tree(pid_t pid);
// One process only.
std::optional<ProcessStats> read_process(pid_t pid);

// The CPUs this process may run on.
std::vector<int> allowed_cpus();

}  // namespace vigil::harness::load
