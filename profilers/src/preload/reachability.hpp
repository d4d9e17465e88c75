#pragma once
// The exit scan: a conservative mark phase over every live tracked block.
// Roots, as valgrind's: writable PT_LOAD segments of every loaded module
// except the tracker, the calling thread's static TLS, the stacks of every
// thread that allocated (whole stack ranges, so also what lies below their
// stack pointers) plus the main stack, and the memory the program mapped
// itself (anonymous writable mappings: an interpreter's object arenas, the
// stacks of threads that never allocated) but for glibc's heaps, the blocks
// glibc mapped one by one and the tracker's own tables. The calling
// thread's registers are spilled onto its stack first. Every aligned word
// that points into a block (start or interior) marks it, transitively. All
// root ranges are clipped to readable mappings of /proc/self/maps.

#include <cstddef>
#include <cstdint>

#include "block_map.hpp"
#include "runtime.hpp"

namespace vigil::preload {

using AddressRange = MappedRange;  // [lo, hi)

// Memory for a scan, gathered before the block map is locked (reading
// /proc and dl_iterate_phdr must not wait on threads stuck in malloc).
struct ScanRoots {
  AddressRange* readable = nullptr;  // readable mappings, sorted
  std::size_t readable_count = 0;
  AddressRange* roots = nullptr;
  std::size_t root_count = 0;
  std::size_t capacity = 0;
  AddressRange* anonymous = nullptr;  // readable, writable, anonymous mappings, sorted
  std::size_t anonymous_count = 0;
  AddressRange* holes = nullptr;      // room to cut what is not the program's out of them
  std::uintptr_t self_stack_hi = 0;  // top of the calling thread's stack
};

// False when the memory for the lists could not be mapped.
bool gather_roots(ScanRoots& roots);
void release_roots(ScanRoots& roots);

// Marks reachable[i] = 1 for every block reachable from the roots. `blocks`
// is sorted by address here. `reachable` holds `count` bytes.
void mark_reachable(const ScanRoots& roots, LiveBlock* blocks, std::size_t count, std::uint8_t* reachable);

}  // namespace vigil::preload
