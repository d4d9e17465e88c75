#pragma once
// The machine's own speed, measured the same way at every window boundary:
// the CPU time a fixed piece of work takes. On a VM whose host gets busy
// elsewhere every process runs slower and no run queue inside shows it; the
// probe slows with them, while a server that degrades by itself leaves it
// alone (the probe's clock counts its own CPU time, not the time it waits
// for the server's CPU). The work is
// what servers and clients spend their time in, the kernel's loopback TCP
// path: a probe of arithmetic and cache reads did not follow the slowdowns
// seen here, where the server's and the generator's CPU time per request
// moved together (correlation 0.74-0.91 over a run's windows).

#include <sys/types.h>

namespace vigil::harness::load {

// CPU time (ns, the probing thread's clock, kernel time included) of 40
// one-byte round trips over a loopback TCP connection that thread holds
// both ends of: the least of three runs, so that an interrupt in one does
// not count. NaN when no such connection can be made.
double machine_probe_ns();

// The same, on a thread of its own that runs on the CPUs `pid` may run on
// (a VM's host can slow one virtual CPU and not another: a probe on the
// generator's CPU missed a slowdown of the server's). A few hundred
// microseconds a window beside the server. This thread's CPUs when `pid`
// is 0 or its affinity cannot be read.
double machine_probe_ns_beside(pid_t pid);

}  // namespace vigil::harness::load
