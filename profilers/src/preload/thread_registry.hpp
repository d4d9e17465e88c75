#pragma once
// Threads that allocated, with their stack bounds: the exit scan reads their
// stacks as roots. A pthread key destructor removes a thread when it ends
// (and gives its counter stripe back).

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace vigil::preload {

struct ThreadStack {
  pid_t tid;
  std::uintptr_t lo, hi;
};

void register_thread(pid_t tid, std::uintptr_t lo, std::uintptr_t hi);
// Creates the pthread key whose destructor unregisters ending threads.
void init_thread_registry();
// Copies up to `max` live entries into `out`; returns how many.
std::size_t registered_threads(ThreadStack* out, std::size_t max);

}  // namespace vigil::preload
