#pragma once
// The machine's own speed, measured the same way at every window boundary:
// the CPU time a fixed piece of work takes. On a VM whose host gets busy
// elsewhere every process runs slower and no run queue inside shows it; the
// probe slows with them, while a server that degrades by itself leaves it
// alone (it runs on the generator's CPU and waits on no one). The work is
// what servers and clients spend their time in, the kernel's loopback TCP
// path: a probe of arithmetic and cache reads did not follow the slowdowns
// seen here, where the server's and the generator's CPU time per request
// moved together (correlation 0.74-0.91 over a run's windows).

namespace vigil::harness::load {

// CPU time (ns, this thread's clock, kernel time included) of 40 one-byte
// round trips over a loopback TCP connection this thread holds both ends
// of: the least of three runs, so that an interrupt in one does not count.
// NaN when no such connection can be made.
double machine_probe_ns();

}  // namespace vigil::harness::load
