#pragma once
// Stack capture on the allocation path: the stack walk of stack_walk.hpp
// (frame pointers where a module keeps them, its unwind tables elsewhere),
// or with VIGIL_UNWIND=libunwind libunwind's unw_backtrace for every frame.

#include <cstdint>

#include "runtime.hpp"

namespace vigil::preload {

// Return addresses, innermost first, starting with the caller of the entry
// point whose frame is `entry_frame` (its __builtin_frame_address(0)).
unsigned capture_stack(void* entry_frame, std::uintptr_t* out, unsigned max, ThreadState& t);

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
