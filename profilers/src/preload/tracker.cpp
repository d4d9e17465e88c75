#include "tracker.hpp"

#include "capture_writer.hpp"
#include "process_mark.hpp"
#include "site_table.hpp"
#include "snapshot_writer.hpp"
#include "stack_capture.hpp"
#include "vigil/profilers/capture_format.hpp"

namespace vigil::preload {
namespace {

std::atomic<bool> g_cycle_called{false};
// When the next timer snapshot is due (CLOCK_MONOTONIC ns).
std::atomic<std::uint64_t> g_next_timer_ns{0};

// A thread looks at the clock about this often: at every tracked
// allocation when it allocates rarely, every `kMaxClockPeriod` when it
// allocates fast (a look costs about 70 ns here, half a tracked allocation;
// the cap bounds how late the first look comes when a burst stops).
constexpr std::uint64_t kClockLookNs = 1000000;
constexpr unsigned kMaxClockPeriod = 256;

// The timer: no thread of its own (a program may count its threads, as
// chromium's zygote does before it forks), but looks at the clock from the
// allocations. A program that allocates nothing changes nothing a snapshot
// would show.
void take_timer_snapshot_if_due(ThreadState& t) {
  const std::uint64_t now = monotonic_ns();
  const std::uint64_t since = now - t.last_clock_look_ns;
  if (t.clock_period == 0) t.clock_period = 1;
  if (since < kClockLookNs / 2 && t.clock_period < kMaxClockPeriod) {
    t.clock_period *= 2;
  } else if (since > kClockLookNs * 2) {
    const std::uint64_t scaled = t.clock_period * kClockLookNs / since;
    t.clock_period = scaled < 1 ? 1 : static_cast<unsigned>(scaled);
  }
  t.last_clock_look_ns = now;
  t.until_clock_check = t.clock_period;
  if (g_cycle_called.load(std::memory_order_relaxed)) return;
  std::uint64_t due = g_next_timer_ns.load(std::memory_order_relaxed);
  if (now < due) return;
  const std::uint64_t next = now + g_config.interval_ms * 1000000;
  if (!g_next_timer_ns.compare_exchange_strong(due, next, std::memory_order_relaxed)) return;
  if (g_process_mark.in_other_process()) return;  // a vfork child: the snapshot is its parent's to take
  if (::pthread_mutex_trylock(&g_snapshot_lock) != 0) return;  // one is being written
  if (g_state.load(std::memory_order_acquire) == State::Enabled) write_snapshot(profilers::capture_format::kTriggerTimer);
  ::pthread_mutex_unlock(&g_snapshot_lock);
}

}  // namespace

void start_timer(std::uint64_t now_ns) {
  g_next_timer_ns.store(now_ns + g_config.interval_ms * 1000000, std::memory_order_relaxed);
}

void leave_child_untracked() {
  g_state.store(State::Off, std::memory_order_release);
  g_writer.forget();
}

PoissonSampler::Weight sample_weight(ThreadState& t, std::size_t size) {
  if (!t.sampler.seeded()) t.sampler.seed(static_cast<std::uint64_t>(current_tid()) << 32 ^ monotonic_ns());
  return t.sampler.sample(size, g_config.sample_bytes);
}

void record_allocation(void* p, std::size_t size, PoissonSampler::Weight weight, void* entry_frame) {
  if (weight.blocks == 0) return;  // the sampler's first draw said: not this one
  if (g_process_mark.in_child_copy()) return leave_child_untracked();
  ThreadState& t = t_thread;
  t.in_tracker = true;
  if (!t.initialized) init_thread(t);
  std::uintptr_t frames[kMaxDepth];
  const unsigned depth = capture_stack(entry_frame, frames, g_config.stack_depth, t);
  const std::uint32_t site = g_sites.intern(frames, depth, hash_stack(frames, depth));
  g_sites.on_alloc(site, t.stripe, weight.bytes, weight.blocks);
  g_blocks.insert(reinterpret_cast<std::uintptr_t>(p), size,
                  BlockInfo{weight.bytes, site, static_cast<std::uint32_t>(weight.blocks)});
  if (g_config.interval_ms != 0 && t.until_clock_check-- <= 1) take_timer_snapshot_if_due(t);
  t.in_tracker = false;
}

bool on_freeing(void* p, LiveBlock* out) {
  if (p == nullptr) return false;
  const State s = g_state.load(std::memory_order_relaxed);
  // While exiting, frees wait for the scan (it reads the blocks).
  if (s != State::Enabled && s != State::Exiting) return false;
  if (g_process_mark.in_child_copy()) {
    leave_child_untracked();
    return false;
  }
  const auto address = reinterpret_cast<std::uintptr_t>(p);
  ThreadState& t = t_thread;
  if (t.in_tracker) {
    // Re-entered: the tracker's own frees (never of a tracked block), or a
    // signal handler's while this thread is inside the tracker, perhaps
    // holding the very shard's lock. Never wait; a block whose shard is
    // busy stays counted as live (a rare, small overcount).
    if (g_blocks.try_remove(address, out) != BlockMap::Removal::Removed) return false;
    g_sites.on_free(out->info.site, kSharedStripe, out->info.bytes, out->info.blocks);
    return true;
  }
  t.in_tracker = true;
  const bool found = g_blocks.remove(address, out);
  if (found) g_sites.on_free(out->info.site, t.stripe, out->info.bytes, out->info.blocks);
  t.in_tracker = false;
  return found;
}

void on_restored(const LiveBlock& block) {
  ThreadState& t = t_thread;
  // Inside the tracker (a signal handler's failed realloc) the insert could
  // wait on a lock this thread holds: the block goes untracked instead.
  if (t.in_tracker) return;
  t.in_tracker = true;
  g_sites.add_live(block.info.site, t.stripe, block.info.bytes, block.info.blocks);
  g_blocks.insert(block.address, block.size, block.info);
  t.in_tracker = false;
}

void cycle_snapshot() {
  if (g_state.load(std::memory_order_acquire) != State::Enabled) return;
  // From a signal handler that interrupted the tracker on this thread,
  // which may hold the snapshot lock: skipped.
  if (t_thread.in_tracker) return;
  if (g_process_mark.in_child_copy()) return leave_child_untracked();
  if (g_process_mark.in_other_process()) return;  // a vfork child
  g_cycle_called.store(true, std::memory_order_release);
  TrackerScope scope;
  ::pthread_mutex_lock(&g_snapshot_lock);
  if (g_state.load(std::memory_order_acquire) == State::Enabled) write_snapshot(profilers::capture_format::kTriggerCycle);
  ::pthread_mutex_unlock(&g_snapshot_lock);
}

}  // namespace vigil::preload
