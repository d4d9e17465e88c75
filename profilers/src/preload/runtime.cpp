#include "runtime.hpp"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread_registry.hpp"

namespace vigil::preload {

Config g_config;
std::atomic<State> g_state{State::Off};
constinit thread_local ThreadState t_thread{};

namespace {

std::atomic<std::uint32_t> g_owned_stripes{1u << kSharedStripe};

unsigned claim_stripe() {
  std::uint32_t owned = g_owned_stripes.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint32_t free = ~owned & ((1u << kStripes) - 1);
    if (free == 0) return kSharedStripe;
    const unsigned stripe = static_cast<unsigned>(__builtin_ctz(free));
    // acquire: the previous owner's plain updates happen before ours.
    if (g_owned_stripes.compare_exchange_weak(owned, owned | (1u << stripe), std::memory_order_acquire,
                                              std::memory_order_relaxed))
      return stripe;
  }
}

}  // namespace

pid_t current_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

void init_thread(ThreadState& t) {
  const pid_t tid = current_tid();
  t.stripe = claim_stripe();
  // pthread_getattr_np allocates (untracked: in_tracker is set by the caller).
  pthread_attr_t attr;
  if (::pthread_getattr_np(::pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    std::size_t size = 0;
    if (::pthread_attr_getstack(&attr, &addr, &size) == 0) {
      t.stack_lo = reinterpret_cast<std::uintptr_t>(addr);
      t.stack_hi = t.stack_lo + size;
    }
    ::pthread_attr_destroy(&attr);
  }
  t.initialized = true;
  register_thread(tid, t.stack_lo, t.stack_hi);
}

void release_stripe(ThreadState& t) {
  const unsigned stripe = t.stripe;
  if (stripe == kSharedStripe) return;
  t.stripe = kSharedStripe;
  g_owned_stripes.fetch_and(~(1u << stripe), std::memory_order_release);
}

}  // namespace vigil::preload
