#pragma once
// The tracker's hot path, called by the interposed entry points: the
// sampling decision, recording an allocation (stack, site, live block),
// forgetting a freed block; and the snapshots a program asks for
// (vigil_cycle) or the timer takes.

#include <cstddef>
#include <cstdint>

#include "block_map.hpp"
#include "code_map.hpp"
#include "cpu_profile.hpp"
#include "runtime.hpp"

namespace vigil::preload {

// Slow part of tracking an allocation: capture, intern, count, remember;
// and, when due, a timer snapshot.
void record_allocation(void* p, std::size_t size, PoissonSampler::Weight weight, void* entry_frame);
// The weight of an allocation the sampler did not skip, in sampling mode.
PoissonSampler::Weight sample_weight(ThreadState& t, std::size_t size);

// The sampling decision, taken before allocating: true when this
// allocation of `size` bytes is not sampled (most calls in sampling mode:
// one thread-local subtraction and a branch). In exact mode, and before
// tracking starts, it is always false and every call goes on to
// on_allocated. Allocations it skips are never tracked.
__attribute__((always_inline)) inline bool sampler_skips(std::size_t size) { return t_thread.sampler.skips(size); }

// Called right after a successful allocation of `size` bytes at `p` that
// sampler_skips() did not skip.
__attribute__((always_inline)) inline void on_allocated(void* p, std::size_t size, void* entry_frame) {
  if (p == nullptr) return;
  if (g_state.load(std::memory_order_relaxed) != State::Enabled) {
    // CPU profile mode: where the map is refreshed after a dlopen.
    if (__builtin_expect(g_code_map_stale.load(std::memory_order_relaxed), 0)) refresh_code_map_if_stale();
    return;
  }
  ThreadState& t = t_thread;
  if (t.in_tracker) return;  // our own allocations, or a signal handler's inside the tracker
  PoissonSampler::Weight weight{size, 1};
  if (g_config.sample_bytes != 0) weight = sample_weight(t, size);
  record_allocation(p, size, weight, entry_frame);
}

// Called right before `p` is given back to the allocator when
// g_blocks.may_hold(p); returns its record through `out` so realloc can
// restore it when the allocator fails.
bool on_freeing(void* p, LiveBlock* out);

// Called right before `p` is given back to the allocator; a lock-free bit
// test for the blocks that were never tracked.
__attribute__((always_inline)) inline bool on_releasing(void* p, LiveBlock* out) {
  if (__builtin_expect(!g_blocks.may_hold(reinterpret_cast<std::uintptr_t>(p)), 1)) return false;
  return on_freeing(p, out);
}

// Undo of on_freeing (realloc failed, the old block stays).
void on_restored(const LiveBlock& block);

// Snapshot on vigil_cycle() (exported by the preload under two names).
void cycle_snapshot();

// Timer snapshots are due every interval from `now_ns` on.
void start_timer(std::uint64_t now_ns);

// In a child that got a copy of the tracked process's memory: stops
// tracking there for good, touching none of the tables.
void leave_child_untracked();

}  // namespace vigil::preload
