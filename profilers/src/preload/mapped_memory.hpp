#pragma once
// Memory for the preload's and the sampler's own tables: mmap'ed and zeroed,
// never the heap (they are used inside malloc and in signal handlers). The
// mappings are remembered so that the exit scan does not take the tracker's
// tables, which hold every block's address, for the program's memory.

#include <cstddef>
#include <cstdint>

namespace vigil::preload {

void* map_memory(std::size_t bytes);
void unmap_memory(void* p, std::size_t bytes);

struct MappedRange {
  std::uintptr_t lo, hi;
};
// The mappings map_memory made and unmap_memory did not undo (up to `max`
// of them; returns how many there are).
std::size_t tracker_mappings(MappedRange* out, std::size_t max);

}  // namespace vigil::preload
