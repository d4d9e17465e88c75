#pragma once
// The preload's CPU profile mode (env VIGIL_PROFILE_HZ = 1..10000, with
// VIGIL_OUTPUT): allocations are not tracked; every thread gets a CPU-time
// timer at its start (the main thread when the library loads, the others
// through the interposed pthread_create), and the SIGPROF samples
// (sampling/cpu_sampler.hpp) are written at exit into the process's
// capture file as a `cpu-profile` record (capture_format.hpp).
// Fork children are not profiled (timers are not inherited, and the
// capture is the parent's); a program that exec()s is profiled again on
// its own, into vigil-<pid>.<n>.capture, as the allocation tracker does.
// Code dlopen'ed meanwhile is walked through once the code map is
// refreshed, at the next allocation or thread start after a sample met it.

namespace vigil::preload {

inline constexpr unsigned kMaxProfileHz = 10000;

void start_cpu_profile();
void finish_cpu_profile();
// Brings the code map up to date when a sample met code it does not know
// (called outside signal handlers, where the loader's lock may be taken).
void refresh_code_map_if_stale();

}  // namespace vigil::preload
