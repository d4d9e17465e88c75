#pragma once
// How the stack walk gets past the frame a return address returns into:
// by rbp when the code there keeps frame pointers (code_map.hpp decides per
// module), else by the unwind rule read from its module's .eh_frame
// (eh_frame.hpp) inside a dl_iterate_phdr callback — the loader cannot
// unmap a module while it lists it; or, in a signal handler, in place from
// the tables the code map located (no lock). Each answer is cached per return
// address in a direct-mapped table of lock-free slots: a hit is three
// relaxed loads and no search, and a slot torn by two writers fails its
// check and reads as a miss.

#include <atomic>
#include <cstdint>

#include "code_map.hpp"
#include "eh_frame.hpp"

namespace vigil::preload {

struct FrameStep {
  const CodeRange* code = nullptr;  // nullptr: not the code of a loaded module (the walk ends)
  FrameRule rule;                   // when the code does not keep frame pointers
};

// How a cache miss is answered.
enum class Lookup {
  CacheOnly,  // not at all: the walk ends (a signal handler that may not read tables)
  InPlace,    // from the tables the code map located, without the loader's lock
              // (a signal handler: a module unloaded meanwhile is the one risk)
  Locked,     // under the loader's lock (dl_iterate_phdr); not async-signal-safe
};

class FrameSteps {
 public:
  // Maps the table; false when memory is not available.
  bool init();
  // The step past the frame `return_address` returns into; a miss is
  // answered as `lookup` says.
  FrameStep find(std::uintptr_t return_address, Lookup lookup) {
    Slot& slot = slots_[scramble(return_address) >> (64 - kSlotBits)];
    const std::uint64_t check = slot.check.load(std::memory_order_relaxed);
    const std::uint64_t rule = slot.rule.load(std::memory_order_relaxed);
    const std::uintptr_t code = slot.code.load(std::memory_order_relaxed);
    if (__builtin_expect(check != 0 && (check ^ scramble(rule ^ code)) == return_address, 1))
      return FrameStep{reinterpret_cast<const CodeRange*>(code), unpack(rule)};
    return lookup == Lookup::CacheOnly ? FrameStep{} : find_and_remember(slot, return_address, lookup);
  }
  // Forgets every answer (the set of loaded modules changed).
  void clear();

 private:
  struct Slot {
    std::atomic<std::uint64_t> check{0};  // return address ^ scramble(rule, code): 0 = empty
    std::atomic<std::uint64_t> rule{0};
    std::atomic<std::uintptr_t> code{0};
    std::uint64_t unused;  // two slots per cache line
  };
  static constexpr unsigned kSlotBits = 13;
  static std::uint64_t scramble(std::uint64_t v) { return (v | 1) * 0x9E3779B97F4A7C15ULL; }
  // A rule in one word: flags in bits 0-2, the return address's and the
  // saved rbp's offsets from the CFA in 8-byte slots (8 and 12 bits,
  // signed) in bits 4-11 and 12-23, the CFA offset in bits 32-63.
  static constexpr std::uint64_t kUsable = 1, kFromRbp = 2, kRbpSaved = 4;
  static FrameRule unpack(std::uint64_t v) {
    FrameRule r;
    r.usable = (v & kUsable) != 0;
    r.cfa_from_rbp = (v & kFromRbp) != 0;
    r.rbp_saved = (v & kRbpSaved) != 0;
    r.ra_offset = static_cast<std::int8_t>((v >> 4) & 0xff) * 8;
    // The 12-bit field, sign-extended.
    r.rbp_offset = (static_cast<std::int16_t>(static_cast<std::uint16_t>(((v >> 12) & 0xfff) << 4)) >> 4) * 8;
    r.cfa_offset = static_cast<std::int32_t>(static_cast<std::uint32_t>(v >> 32));
    return r;
  }
  // False when the rule does not fit in a word (it is then not cached).
  static bool pack(const FrameRule& rule, std::uint64_t* out);
  FrameStep find_and_remember(Slot& slot, std::uintptr_t return_address, Lookup lookup);

  Slot* slots_ = nullptr;
};

// The unwind rule of the frame `return_address` returns into, read now from
// its module's tables (dl_iterate_phdr); unusable when no loaded module
// holds it or its tables have no rule the walk follows.
FrameRule read_frame_rule(std::uintptr_t return_address);

extern FrameSteps g_frame_steps;

}  // namespace vigil::preload
