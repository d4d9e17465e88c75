#pragma once
// The code of the loaded modules: their executable address ranges, each
// with how the stack walk crosses that code's frames. Decided once per
// module, from its call-frame information: when most of its functions that
// have a frame address it from rbp, the module keeps frame pointers and its
// frames are followed by rbp (two loads); otherwise — or when uncertain —
// by its unwind tables (frame_steps.hpp). A module without tables is
// followed by frame pointers, the only way through it.
//
// Lookups are lock-free reads of an immutable table. refresh() builds a new
// one after a dlopen or dlclose; old tables are never unmapped, since a walk
// on another thread may still be reading one (a few KB per change of the
// set of loaded modules).

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "spin_lock.hpp"

namespace vigil::preload {

struct CodeRange {
  std::uintptr_t lo, hi;  // [lo, hi)
  bool frame_pointers;
  // The module's .eh_frame_hdr and the loaded segment holding its tables
  // (EhFrame's arguments), so that a signal handler can read them in place
  // without the loader's lock; eh_frame_hdr = nullptr: none.
  const std::uint8_t* eh_frame_hdr;
  std::uintptr_t eh_frame_lo, eh_frame_hi;
};

// One immutable generation of the map.
struct CodeTable {
  unsigned long long adds, subs;  // dl_iterate_phdr's load and unload counts when built
  std::size_t count;
  const CodeRange* ranges;        // `count` of them, sorted by address
  const CodeRange* find(std::uintptr_t address) const;
};

class CodeMap {
 public:
  // The range holding `address`, or nullptr (not the code of a loaded
  // module, or loaded since the last refresh).
  const CodeRange* find(std::uintptr_t address) const {
    const CodeTable* t = table_.load(std::memory_order_acquire);
    return t ? t->find(address) : nullptr;
  }
  // Rebuilds the table when modules were loaded or unloaded since it was
  // built (and forgets the cached frame steps). Never
  // waits: false when nothing changed or another thread is at it. Takes the
  // loader's lock (dl_iterate_phdr): not async-signal-safe.
  bool refresh();

 private:
  std::atomic<const CodeTable*> table_{nullptr};
  SpinLock refreshing_;
};

extern CodeMap g_code_map;
// Set when a walk that may not refresh the map (a signal handler's) met an
// address outside it: code loaded since; whoever may take the loader's lock
// refreshes.
extern std::atomic<bool> g_code_map_stale;

}  // namespace vigil::preload
