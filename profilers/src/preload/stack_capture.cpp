#include "stack_capture.hpp"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "stack_walk.hpp"

namespace vigil::preload {
namespace {

unsigned unwind_with_libunwind(std::uintptr_t first, std::uintptr_t* out, unsigned max) {
  void* raw[kMaxDepth + 8];
  const int got = ::unw_backtrace(raw, static_cast<int>(max) + 8);
  // Skip the tracker's own frames: start at the entry point's return address.
  int start = 0;
  while (start < got && reinterpret_cast<std::uintptr_t>(raw[start]) != first) ++start;
  if (start == got) start = 0;
  unsigned n = 0;
  for (int i = start; i < got && n < max; ++i) out[n++] = reinterpret_cast<std::uintptr_t>(raw[i]);
  return n;
}

}  // namespace

unsigned capture_stack(void* entry_frame, std::uintptr_t* out, unsigned max, ThreadState& t) {
  if (!entry_frame) return 0;
  if (g_config.libunwind_only) {
    // The entry point's own frame: its return address is where the stack starts.
    return unwind_with_libunwind(static_cast<const std::uintptr_t*>(entry_frame)[1], out, max);
  }
  return walk_stack(entry_frame, StackBounds{t.stack_lo, t.stack_hi}, out, max, true, &t.steps);
}

}  // namespace vigil::preload
