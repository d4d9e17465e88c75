#pragma once
// Shared state of the preload library: configuration, the tracker's life
// cycle, per-thread state and small allocation-free helpers. Everything here
// must work inside malloc: no heap, no exceptions, no stdio.

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "mapped_memory.hpp"
#include "poisson_sampler.hpp"
#include "spin_lock.hpp"
#include "stack_walk.hpp"

namespace vigil::preload {

// Nothing is tracked before the constructor enabled tracking (or without
// VIGIL_OUTPUT), in a child that did not exec, or after the exit report was
// written.
enum class State : int { Off, Enabled, Exiting, Finished };

struct Config {
  char output_dir[1024] = {};
  unsigned stack_depth = 32;
  std::uint64_t interval_ms = 100;
  std::uint64_t sample_bytes = 0;  // 0 = exact
  bool libunwind_only = false;
  unsigned profile_hz = 0;  // > 0: CPU profile mode (cpu_profile.hpp), no allocation tracking
};

inline constexpr unsigned kMaxDepth = 128;
// Counter stripes per site. Stripe 0 is shared (atomic read-modify-write);
// each other stripe is owned by one thread at a time, which updates it with
// plain loads and stores (no lock prefix on the hot path).
inline constexpr unsigned kStripes = 8;
inline constexpr unsigned kSharedStripe = 0;

struct ThreadState {
  bool initialized;
  // Re-entrancy guard: set while the tracker works on this thread. What
  // runs meanwhile on it — the tracker's own allocations, or a signal
  // handler's — is not tracked, and never waits for the tracker's locks.
  bool in_tracker;
  unsigned stripe;
  // The timer looks at the clock every `clock_period` tracked allocations,
  // a period that adapts to the thread's allocation rate (tracker.cpp).
  unsigned until_clock_check, clock_period;
  std::uint64_t last_clock_look_ns;
  std::uintptr_t stack_lo, stack_hi;
  PoissonSampler sampler;
  StepMemo steps;
};

extern Config g_config;
extern std::atomic<State> g_state;

// initial-exec TLS (see CMakeLists.txt): no allocation on first access.
// constinit: no dynamic initializer, so no per-access init-function check.
extern constinit thread_local ThreadState t_thread;

// Sets the stack bounds and stripe of the calling thread and registers it
// for the exit scan; call with in_tracker set.
void init_thread(ThreadState& t);
// Gives the calling thread's own stripe back (it ends); its later updates
// go to the shared stripe.
void release_stripe(ThreadState& t);

pid_t current_tid();

// Re-entrancy guard for a scope of tracker work.
class TrackerScope {
 public:
  TrackerScope() : was_(t_thread.in_tracker) { t_thread.in_tracker = true; }
  ~TrackerScope() { t_thread.in_tracker = was_; }
  TrackerScope(const TrackerScope&) = delete;
  TrackerScope& operator=(const TrackerScope&) = delete;

 private:
  bool was_;
};

}  // namespace vigil::preload
