#include "stack_capture.hpp"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

namespace vigil::preload {
namespace {

unsigned walk_frame_pointers(void* entry_frame, std::uintptr_t* out, unsigned max, const ThreadState& t) {
  auto lo = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  const std::uintptr_t hi = t.stack_hi;
  auto fp = reinterpret_cast<std::uintptr_t>(entry_frame);
  unsigned n = 0;
  while (n < max) {
    if (fp < lo || fp + 2 * sizeof(std::uintptr_t) > hi || (fp & (sizeof(std::uintptr_t) - 1)) != 0) break;
    const auto* frame = reinterpret_cast<const std::uintptr_t*>(fp);
    const std::uintptr_t ret = frame[1];
    if (ret < 4096) break;
    out[n++] = ret;
    const std::uintptr_t next = frame[0];
    if (next <= fp) break;  // callers' frames are higher up the stack
    lo = fp;
    fp = next;
  }
  return n;
}

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

unsigned capture_stack(void* entry_frame, std::uintptr_t* out, unsigned max, const ThreadState& t) {
  if (!entry_frame || t.stack_hi == 0) return 0;
  const std::uintptr_t first = reinterpret_cast<const std::uintptr_t*>(entry_frame)[1];
  if (g_config.libunwind_only) return unwind_with_libunwind(first, out, max);
  const unsigned n = walk_frame_pointers(entry_frame, out, max, t);
  if (n >= 2 || max < 2) return n;
  return unwind_with_libunwind(first, out, max);
}

}  // namespace vigil::preload
