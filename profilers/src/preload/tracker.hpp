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

// Called right after a successful allocation of `size` bytes at `p`.
__attribute__((always_inline)) inline void on_allocated(void* p, std::size_t size, void* entry_frame) {
  if (p == nullptr || g_state.load(std::memory_order_relaxed) != State::Enabled) return;
  ThreadState& t = t_thread;
  std::uint64_t bytes = size, blocks = 1;
  if (g_config.sample_bytes != 0) {
    // Sampling fast path: one subtraction, nothing else, for most calls.
    t.bytes_until_sample -= static_cast<std::int64_t>(size);
    if (t.sampler_ready && t.bytes_until_sample > 0) return;
    if (t.in_tracker) return;
    sample_weights(t, size, &bytes, &blocks);
  } else if (t.in_tracker) {
    return;
  }
  record_allocation(p, size, bytes, blocks, entry_frame);
}

// Called right before `p` is given back to the allocator; returns its
// record through `out` so realloc can restore it when the allocator fails.
bool on_freeing(void* p, LiveBlock* out);
// Undo of on_freeing (realloc failed, the old block stays).
void on_restored(const LiveBlock& block);

// Snapshot on vigil_cycle() (exported by the preload under two names).
void cycle_snapshot();

}  // namespace vigil::preload
