#include "spin_lock.hpp"

#include <sched.h>

namespace vigil::preload {

void SpinLock::lock() {
  for (unsigned spins = 0;;) {
    if (flag_.exchange(1, std::memory_order_acquire) == 0) return;
    while (flag_.load(std::memory_order_relaxed) != 0) {
      if (++spins < 128) {
        __builtin_ia32_pause();
      } else {
        spins = 0;
        ::sched_yield();
      }
    }
  }
}

}  // namespace vigil::preload
