#pragma once
// The tracker's lock for short sections: never allocates, never sleeps
// holding it (so it can guard tables used inside malloc).

#include <atomic>
#include <cstdint>

namespace vigil::preload {

// Test-and-test-and-set lock; holders never allocate or block.
class SpinLock {
 public:
  void lock();
  bool try_lock() {
    return flag_.load(std::memory_order_relaxed) == 0 && flag_.exchange(1, std::memory_order_acquire) == 0;
  }
  void unlock() { flag_.store(0, std::memory_order_release); }

 private:
  std::atomic<std::uint32_t> flag_{0};
};

}  // namespace vigil::preload
