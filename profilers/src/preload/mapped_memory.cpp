#include "mapped_memory.hpp"

#include <sys/mman.h>

#include "spin_lock.hpp"

namespace vigil::preload {
namespace {

// The tracker's live mappings. A mapping that does not fit is only scanned
// as if it were the program's: some blocks may then pass for reachable.
constexpr std::size_t kMaxMappings = 8192;
MappedRange g_mappings[kMaxMappings];
std::size_t g_mapping_count = 0;
SpinLock g_mappings_lock;

}  // namespace

void* map_memory(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  g_mappings_lock.lock();
  if (g_mapping_count < kMaxMappings) {
    const auto lo = reinterpret_cast<std::uintptr_t>(p);
    g_mappings[g_mapping_count++] = MappedRange{lo, lo + bytes};
  }
  g_mappings_lock.unlock();
  return p;
}

void unmap_memory(void* p, std::size_t bytes) {
  if (!p) return;
  const auto lo = reinterpret_cast<std::uintptr_t>(p);
  g_mappings_lock.lock();
  for (std::size_t i = 0; i < g_mapping_count; ++i) {
    if (g_mappings[i].lo != lo) continue;
    g_mappings[i] = g_mappings[--g_mapping_count];
    break;
  }
  g_mappings_lock.unlock();
  ::munmap(p, bytes);
}

std::size_t tracker_mappings(MappedRange* out, std::size_t max) {
  g_mappings_lock.lock();
  const std::size_t n = g_mapping_count < max ? g_mapping_count : max;
  for (std::size_t i = 0; i < n; ++i) out[i] = g_mappings[i];
  const std::size_t total = g_mapping_count;
  g_mappings_lock.unlock();
  return total;
}

}  // namespace vigil::preload
