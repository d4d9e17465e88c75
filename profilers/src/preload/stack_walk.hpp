#pragma once
// The stack walk of the allocation path, made to be reused by a sampling
// profiler's SIGPROF handler: no heap, and async-signal-safe when it may
// not lock. It reads nothing but
//  - the current stack, between the walk's own frame and the stack's top:
//    the thread's stack (exact bounds, taken when the thread was first
//    seen), or the signal stack the walk runs on; on any other stack
//    (coroutines, the private stack of a clone child) it takes only the
//    entry point's own return address. Every frame is checked to lie there,
//    above the previous one, before it is followed;
//  - modules' unwind tables, inside the loader's lock (frame_steps.hpp).
// Frames of modules that keep frame pointers are followed by rbp, the
// others by their unwind tables (code_map.hpp decides, once per module);
// within a module's code no lookup is made for frame-pointer frames.
// The walk stops after the first return address that is not in a loaded
// module's code (JIT code, or a broken chain).

#include <cstdint>

#include "frame_steps.hpp"

namespace vigil::preload {

struct StackBounds {
  std::uintptr_t lo = 0, hi = 0;  // [lo, hi); hi = 0: unknown
};

// A thread's last few steps by unwind table, looked at before the shared
// cache: the frames at the bottom of a thread's stack (its start routine,
// the C library's thread start) are crossed at every allocation it makes.
// One per thread; zero is a valid, empty state.
struct StepMemo {
  static constexpr unsigned kSize = 8;
  std::uintptr_t pc[kSize];
  FrameStep step[kSize];
  unsigned next;
  const CodeRange* frame_pointer_code;  // where the last walk began, when it keeps frame pointers
};

// Return addresses, innermost first, from the caller of the function whose
// frame is `entry_frame` (its __builtin_frame_address(0), which gives it an
// rbp frame) outwards; at most `max`. `may_lock`: may take the loader's
// lock to read the tables of code not seen before (not in a signal
// handler: there, code not seen before ends the walk).
// `memo`: the calling thread's, or nullptr.
unsigned walk_stack(const void* entry_frame, StackBounds thread_stack, std::uintptr_t* out, unsigned max,
                    bool may_lock, StepMemo* memo = nullptr);

// The registers of interrupted code (a signal's ucontext).
struct InterruptedAt {
  std::uintptr_t pc, sp, bp;
};

// The stack of interrupted code, for a sampling profiler's signal handler:
// out[0] is at.pc + 1 (so that every entry reads as a return address, one
// past the instruction it stands for), then the return addresses outwards;
// at most `max`. `stack`: the bounds of the stack at.sp lies on. Unwind
// tables are read in place (Lookup::InPlace): no lock, no heap.
unsigned walk_interrupted(InterruptedAt at, StackBounds stack, std::uintptr_t* out, unsigned max);

}  // namespace vigil::preload
