#pragma once
// The call-frame information of one loaded module (.eh_frame, found through
// its .eh_frame_hdr search table: the tables the C++ runtime unwinds
// exceptions with), read in place: no heap, no locks, every read bounded to
// the module's segment that holds the tables. x86-64 only.
//
// A frame's rule says where its canonical frame address (CFA: the caller's
// stack pointer once the frame has returned) is — rsp or rbp plus an
// offset — and where, relative to the CFA, the return address and the
// caller's rbp were saved. Rules that need a DWARF expression or another
// register (PLT stubs, signal trampolines, the ends of the stack) are not
// followed: the walk stops there.

#include <cstddef>
#include <cstdint>

struct dl_phdr_info;

namespace vigil::preload {

struct FrameRule {
  bool usable = false;        // false: no call-frame information, or none this walker follows
  bool cfa_from_rbp = false;  // CFA = rbp + cfa_offset; else rsp + cfa_offset
  bool rbp_saved = false;     // the caller's rbp is at CFA + rbp_offset; else rbp is unchanged
  std::int32_t cfa_offset = 0;
  std::int32_t ra_offset = 0;  // the return address is at CFA + ra_offset
  std::int32_t rbp_offset = 0;
};

class EhFrame {
 public:
  // `hdr`: the module's PT_GNU_EH_FRAME segment (run-time address);
  // [lo, hi): the loaded segment that contains it, which bounds every read.
  EhFrame(const std::uint8_t* hdr, std::uintptr_t lo, std::uintptr_t hi);
  // Where a loaded module's tables are, as dl_iterate_phdr describes it
  // (hdr = nullptr: none).
  struct Location {
    const std::uint8_t* hdr = nullptr;
    std::uintptr_t lo = 0, hi = 0;
  };
  static Location locate(const dl_phdr_info& module);
  // The tables of a loaded module (read them inside dl_iterate_phdr's
  // callback, while the loader keeps the module mapped).
  static EhFrame of(const dl_phdr_info& module) {
    const Location at = locate(module);
    return EhFrame(at.hdr, at.lo, at.hi);
  }
  // False when the header is missing, malformed or has no binary-search table.
  bool valid() const { return table_ != nullptr; }

  // The rule of the frame that `return_address` returns into (looked up at
  // return_address - 1, the call instruction).
  FrameRule rule_for_return_address(std::uintptr_t return_address) const;

  // Of `samples` functions spread evenly over the table, how many address
  // their frame from rbp at some point (what code built with frame pointers
  // does in every function that has a frame); `*examined` receives how many
  // of them have a frame at all (functions that push nothing say nothing).
  unsigned count_frame_pointer_functions(unsigned samples, unsigned* examined) const;

 private:
  struct Cie;
  struct Fde;
  struct Row;
  class RowBuilder;
  struct FrameShape {
    bool has_frame = false;  // some row has pushed something, or uses rbp
    bool from_rbp = false;   // some row addresses the frame from rbp
  };
  const std::uint8_t* fde_at(std::size_t index) const;
  const std::uint8_t* find_fde(std::uintptr_t address) const;
  // Runs the FDE's program up to `address` (all of it when `address` is 0)
  // into `row`; false on a malformed or unknown instruction, or when the FDE
  // does not cover `address`. `shape` (optional) says what the rows did.
  bool run_fde(const std::uint8_t* fde, std::uintptr_t address, Row& row, FrameShape* shape) const;
  bool parse_cie(const std::uint8_t* cie, Cie& out) const;
  // The FDE's CIE, the code it covers and its program; false when malformed
  // or a signal frame's.
  bool parse_fde(const std::uint8_t* fde, Fde& out) const;

  const std::uint8_t* hdr_;
  std::uintptr_t lo_, hi_;
  const std::uint8_t* table_ = nullptr;  // pairs of (function start, FDE), both relative to hdr_
  std::size_t count_ = 0;
};

}  // namespace vigil::preload
