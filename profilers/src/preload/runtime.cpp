#include "runtime.hpp"

#include <pthread.h>
#include <sys/mman.h>
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

// The tracker's live mappings. A mapping that does not fit is only scanned
// as if it were the program's: some blocks may then pass for reachable.
constexpr std::size_t kMaxMappings = 8192;
MappedRange g_mappings[kMaxMappings];
std::size_t g_mapping_count = 0;
SpinLock g_mappings_lock;

}  // namespace

void* map_memory(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  g_mappings_lock.lock();
  if (g_mapping_count < kMaxMappings) {
    const auto lo = reinterpret_cast<std::uintptr_t>(p);
    g_mappings[g_mapping_count++] = MappedRange{lo, lo + bytes};
  }
  g_mappings_lock.unlock();
  return p;
}

void unmap_memory(void* p, std::size_t bytes) {
  if (!p) return;
  const auto lo = reinterpret_cast<std::uintptr_t>(p);
  g_mappings_lock.lock();
  for (std::size_t i = 0; i < g_mapping_count; ++i) {
    if (g_mappings[i].lo != lo) continue;
    g_mappings[i] = g_mappings[--g_mapping_count];
    break;
  }
  g_mappings_lock.unlock();
  ::munmap(p, bytes);
}

std::size_t tracker_mappings(MappedRange* out, std::size_t max) {
  g_mappings_lock.lock();
  const std::size_t n = g_mapping_count < max ? g_mapping_count : max;
  for (std::size_t i = 0; i < n; ++i) out[i] = g_mappings[i];
  const std::size_t total = g_mapping_count;
  g_mappings_lock.unlock();
  return total;
}

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
