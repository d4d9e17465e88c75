#pragma once
// Stack capture on the allocation path. Fast path: walk the frame-pointer
// chain from the interposed entry point's frame, checking every frame lies
// on the thread's stack, above the previous one. When the chain breaks at
// once (a caller without frame pointers clobbered rbp), or when
// VIGIL_UNWIND=libunwind, libunwind's unw_backtrace is used instead.

#include <cstdint>

#include "runtime.hpp"

namespace vigil::preload {

// Return addresses, innermost first, starting with the caller of the entry
// point whose frame is `entry_frame` (its __builtin_frame_address(0)).
unsigned capture_stack(void* entry_frame, std::uintptr_t* out, unsigned max, const ThreadState& t);

inline std::uint64_t hash_stack(const std::uintptr_t* frames, unsigned n) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ n;
  for (unsigned i = 0; i < n; ++i) {
    h ^= frames[i];
    h *= 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
  }
  return h;
}

}  // namespace vigil::preload
