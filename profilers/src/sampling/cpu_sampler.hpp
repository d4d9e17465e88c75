#pragma once
// The sampling CPU profiler's core, shared by the preload library (any
// program) and in-process profiling (vigil::profilers::CpuProfiler):
// per-thread CPU-time timers (timer_create on the thread's CPU clock,
// SIGEV_THREAD_ID: the signal goes to the thread whose time ran), and a
// SIGPROF handler that walks the interrupted stack (stack_walk.hpp) into
// the SampleStore. The handler is async-signal-safe and allocates nothing;
// a SIGPROF that none of our timers sent goes to the handler the program
// set (program_sigaction), else is ignored.

#include <signal.h>
#include <sys/types.h>
#include <time.h>

#include <cstdint>

#include "sample_store.hpp"

// glibc's sigaction under its own name: past the preload's interposer
// (signal_interpose.cpp), which would take the sampler's own handler for
// the program's.
extern "C" int __sigaction(int, const struct sigaction*, struct sigaction*);

namespace vigil::sampling {

inline constexpr unsigned kMaxSampleDepth = 128;

extern SampleStore g_samples;

// Installs the SIGPROF handler and maps the sample store; `depth` frames
// per sample at most (1..kMaxSampleDepth). False when either fails.
bool install(unsigned depth);

// The program's own SIGPROF action while the sampler holds the signal
// (the preload interposes sigaction and signal with it): some programs set
// one for SIGPROF among other termination signals (sort cleans up its
// temporary files and re-raises), which our timers' ticks must not reach.
// Same contract as sigaction(2) for SIGPROF; false when the sampler is not
// installed, and the caller then acts on the real disposition.
bool program_sigaction(const struct sigaction* action, struct sigaction* old);

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
