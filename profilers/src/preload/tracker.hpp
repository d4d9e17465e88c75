#pragma once
// The tracker's hot path (called by the interposed entry points) and its
// snapshots. See vigil/profilers/capture.hpp for what is written.

#include <cstddef>
#include <cstdint>

#include "block_map.hpp"
#include "runtime.hpp"

namespace vigil::preload {

// Slow part of tracking an allocation: capture, intern, count, remember.
void record_allocation(void* p, std::size_t size, std::uint64_t bytes, std::uint64_t blocks, void* entry_frame);
// Draws the next sampling distance and returns the weight of this sample.
void sample_weights(ThreadState& t, std::size_t size, std::uint64_t* bytes, std::uint64_t* blocks);

// The sampling decision, taken before allocating: true when this
// allocation of `size` bytes is not sampled (most calls in sampling mode:
// one thread-local subtraction and a branch). Only the sampler refills the
// countdown, so in exact mode (and before tracking starts) it stays at or
// below zero and every call goes on to on_allocated. The subtraction wraps
// (unsigned) rather than overflow: that takes 2^63 bytes.
// Allocations it skips are never tracked.
__attribute__((always_inline)) inline bool sampler_skips(std::size_t size) {
  ThreadState& t = t_thread;
  t.bytes_until_sample = static_cast<std::int64_t>(static_cast<std::uint64_t>(t.bytes_until_sample) - size);
  return t.bytes_until_sample > 0;
}

// Called right after a successful allocation of `size` bytes at `p` that
// sampler_skips() did not skip.
__attribute__((always_inline)) inline void on_allocated(void* p, std::size_t size, void* entry_frame) {
  if (p == nullptr || g_state.load(std::memory_order_relaxed) != State::Enabled) return;
  ThreadState& t = t_thread;
  if (t.in_tracker) return;  // our own allocations (a due sample waits for the next call)
  std::uint64_t bytes = size, blocks = 1;
  if (g_config.sample_bytes != 0) sample_weights(t, size, &bytes, &blocks);
  record_allocation(p, size, bytes, blocks, entry_frame);
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

}  // namespace vigil::preload
