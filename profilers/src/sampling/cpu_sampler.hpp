#pragma once
// The sampling CPU profiler's core, shared by the preload library (any
// program) and in-process profiling (vigil::profilers::CpuProfiler):
// per-thread CPU-time timers (timer_create on the thread's CPU clock,
// SIGEV_THREAD_ID: the signal goes to the thread whose time ran), and a
// SIGPROF handler that walks the interrupted stack (stack_walk.hpp) into
// the SampleStore. The handler is async-signal-safe and allocates nothing;
// a SIGPROF that none of our timers sent is ignored.

#include <sys/types.h>
#include <time.h>

#include <cstdint>

#include "sample_store.hpp"

namespace vigil::sampling {

inline constexpr unsigned kMaxSampleDepth = 128;

extern SampleStore g_samples;

// Installs the SIGPROF handler and maps the sample store; `depth` frames
// per sample at most (1..kMaxSampleDepth). False when either fails.
bool install(unsigned depth);

// Samples are stored only between begin() and end(); end() returns once no
// handler is still storing one (then g_samples may be read or reset).
void begin();
void end();

// Starts a timer on thread `tid`'s CPU clock (of this process) firing
// `hz` times per CPU-second; false when the thread is gone or timers
// cannot be made.
bool start_thread_timer(pid_t tid, unsigned hz, timer_t* out);
void stop_thread_timer(timer_t timer);

pid_t current_tid();

}  // namespace vigil::sampling
