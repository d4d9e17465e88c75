#include "stack_walk.hpp"

#include <signal.h>

#include "frame_steps.hpp"

namespace vigil::preload {
namespace {

constexpr std::uintptr_t kLowestCode = 4096;
// On a stack of unknown bounds, how far above the walk's frame the entry
// point's frame may be (a few frames of the tracker in between).
constexpr std::uintptr_t kEntryReach = 16 * 1024;

// The word at `address`, when it lies in [lo, hi) and is aligned. The
// walk reads other functions' frames: not instrumented.
__attribute__((no_sanitize("address", "hwaddress", "thread"))) bool read_word(std::uintptr_t address,
                                                                               std::uintptr_t lo,
                                                                               std::uintptr_t hi,
                                                                               std::uintptr_t* out) {
  if (address < lo || hi < sizeof(std::uintptr_t) || address > hi - sizeof(std::uintptr_t) ||
      (address & (sizeof(std::uintptr_t) - 1)) != 0)
    return false;
  *out = *reinterpret_cast<const std::uintptr_t*>(address);
  return true;
}

// The stack `here` lies on: the thread's, or the signal stack in use.
StackBounds current_stack(StackBounds thread, std::uintptr_t here) {
  if (thread.hi != 0 && here >= thread.lo && here < thread.hi) return thread;
  stack_t alternate;
  if (::sigaltstack(nullptr, &alternate) == 0 && (alternate.ss_flags & SS_ONSTACK)) {
    const auto lo = reinterpret_cast<std::uintptr_t>(alternate.ss_sp);
    if (here >= lo && here < lo + alternate.ss_size) return StackBounds{lo, lo + alternate.ss_size};
  }
  return StackBounds{};
}

bool holds(const CodeRange* code, std::uintptr_t return_address) {
  return code && return_address - 1 >= code->lo && return_address - 1 < code->hi;
}

FrameStep step_past(std::uintptr_t pc, Lookup lookup, StepMemo* memo) {
  if (!memo) return g_frame_steps.find(pc, lookup);
  for (unsigned i = 0; i < StepMemo::kSize; ++i)
    if (memo->pc[i] == pc) return memo->step[i];
  const FrameStep step = g_frame_steps.find(pc, lookup);
  const unsigned slot = memo->next++ % StepMemo::kSize;
  memo->pc[slot] = pc;
  memo->step[slot] = step;
  return step;
}

// Follows frames outwards from return address `pc`, with `sp` and `bp`
// the registers of the function it returns into, up to `hi`.
unsigned walk_from(std::uintptr_t pc, std::uintptr_t sp, std::uintptr_t bp, std::uintptr_t hi, std::uintptr_t* out,
                   unsigned max, Lookup lookup, StepMemo* memo) {
  // The code `pc` lies in, when it keeps frame pointers: most walks begin
  // where the last one did.
  const CodeRange* code = memo ? memo->frame_pointer_code : nullptr;
  unsigned n = 0;
  while (n < max && pc >= kLowestCode) {
    out[n++] = pc;
    FrameRule rule;
    if (!holds(code, pc)) {
      const FrameStep step = step_past(pc, lookup, memo);
      if (!step.code) break;  // not code of a loaded module: JIT code, or a broken chain
      code = step.code->frame_pointers ? step.code : nullptr;
      rule = step.rule;
      if (memo && n == 1 && code) memo->frame_pointer_code = code;
    }
    std::uintptr_t caller_pc = 0;
    bool stepped = false;
    if (code) {
      // rbp is the frame of the function we are in: [rbp] holds its
      // caller's rbp, [rbp + 8] the return address into its caller.
      std::uintptr_t caller_bp;
      if (bp >= sp && read_word(bp + 8, sp, hi, &caller_pc) && read_word(bp, sp, hi, &caller_bp)) {
        sp = bp + 16;
        bp = caller_bp;
        stepped = true;
      } else {
        // No frame here though the module keeps them: a function of a
        // library built without frame pointers, linked into the module
        // (a static libgtest, say). Its unwind tables take this step.
        rule = step_past(pc, lookup, memo).rule;
      }
    }
    if (!stepped) {
      if (!rule.usable) break;
      const std::uintptr_t cfa = (rule.cfa_from_rbp ? bp : sp) + static_cast<std::intptr_t>(rule.cfa_offset);
      // The caller's stack pointer: above ours, on this stack.
      if (cfa <= sp || cfa > hi) break;
      if (!read_word(cfa + static_cast<std::intptr_t>(rule.ra_offset), sp, hi, &caller_pc)) break;
      if (rule.rbp_saved && !read_word(cfa + static_cast<std::intptr_t>(rule.rbp_offset), sp, hi, &bp)) break;
      sp = cfa;
    }
    pc = caller_pc;
  }
  return n;
}

}  // namespace

unsigned walk_stack(const void* entry_frame, StackBounds thread_stack, std::uintptr_t* out, unsigned max,
                    bool may_lock, StepMemo* memo) {
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  const auto frame = reinterpret_cast<std::uintptr_t>(entry_frame);
  const StackBounds stack = current_stack(thread_stack, here);
  std::uintptr_t pc = 0, bp = 0;
  if (stack.hi == 0) {
    // Unknown bounds: the entry point's frame is on this stack just above
    // ours, and its return address is all that is read.
    if (max == 0 || frame < here || frame - here > kEntryReach || !read_word(frame + 8, here, frame + 16, &pc))
      return 0;
    if (pc < kLowestCode) return 0;
    out[0] = pc;
    return 1;
  }
  const std::uintptr_t hi = stack.hi;
  if (!read_word(frame, here, hi, &bp) || !read_word(frame + 8, here, hi, &pc)) return 0;
  // The registers of the function `pc` returns into, at its call: its
  // stack pointer (just above the return address) and its rbp.
  return walk_from(pc, frame + 16, bp, hi, out, max, may_lock ? Lookup::Locked : Lookup::CacheOnly, memo);
}

unsigned walk_interrupted(InterruptedAt at, StackBounds stack, std::uintptr_t* out, unsigned max) {
  if (stack.hi == 0 || at.sp < stack.lo || at.sp >= stack.hi) {
    if (max == 0 || at.pc < kLowestCode) return 0;
    out[0] = at.pc + 1;
    return 1;
  }
  // pc + 1: the walk looks up every entry one byte back, as a return
  // address's call; for the interrupted instruction that is itself.
  return walk_from(at.pc + 1, at.sp, at.bp, stack.hi, out, max, Lookup::InPlace, nullptr);
}

}  // namespace vigil::preload
