#include "thread_registry.hpp"

#include <pthread.h>

#include <atomic>

#include "runtime.hpp"

namespace vigil::preload {
namespace {

constexpr std::size_t kMaxThreads = 4096;

struct Slot {
  std::atomic<pid_t> tid{0};
  std::uintptr_t lo = 0, hi = 0;
};
Slot g_slots[kMaxThreads];
pthread_key_t g_exit_key;
std::atomic<bool> g_key_ready{false};

void on_thread_exit(void* slot) {
  release_stripe(t_thread);
  static_cast<Slot*>(slot)->tid.store(0, std::memory_order_release);
}

}  // namespace

void init_thread_registry() {
  if (::pthread_key_create(&g_exit_key, on_thread_exit) == 0) g_key_ready.store(true, std::memory_order_release);
}

void register_thread(pid_t tid, std::uintptr_t lo, std::uintptr_t hi) {
  for (auto& slot : g_slots) {
    pid_t expected = 0;
    if (slot.tid.load(std::memory_order_relaxed) != 0) continue;
    if (slot.tid.compare_exchange_strong(expected, tid, std::memory_order_acq_rel)) {
      // Read only by the exit scan, which clips every range to mapped memory.
      slot.lo = lo;
      slot.hi = hi;
      if (g_key_ready.load(std::memory_order_acquire)) ::pthread_setspecific(g_exit_key, &slot);
      return;
    }
  }
}

std::size_t registered_threads(ThreadStack* out, std::size_t max) {
  std::size_t n = 0;
  for (auto& slot : g_slots) {
    if (n == max) break;
    const pid_t tid = slot.tid.load(std::memory_order_acquire);
    if (tid != 0) out[n++] = ThreadStack{tid, slot.lo, slot.hi};
  }
  return n;
}

}  // namespace vigil::preload
