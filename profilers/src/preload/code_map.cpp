#include "code_map.hpp"

#include <link.h>

#include <cstddef>

#include "eh_frame.hpp"
#include "frame_steps.hpp"
#include "mapped_memory.hpp"

namespace vigil::preload {

CodeMap g_code_map;
std::atomic<bool> g_code_map_stale{false};

namespace {

// Functions sampled per module. Measured with 256: code built with
// -fno-omit-frame-pointer scores 0.90-1.00 (this project's programs),
// Debian's libc, libstdc++, libbfd, python3 and perl 0.00-0.09.
constexpr unsigned kCensusFunctions = 256;

bool keeps_frame_pointers(const dl_phdr_info* info) {
  const EhFrame tables = EhFrame::of(*info);
  // Without tables, frame pointers are the only way through.
  if (!tables.valid()) return true;
  unsigned sampled = 0;
  const unsigned with = tables.count_frame_pointer_functions(kCensusFunctions, &sampled);
  // Too few functions with a frame to tell: the tables are always right.
  return sampled >= 4 && with * 4 >= sampled * 3;
}

bool is_code(const ElfW(Phdr)& ph) { return ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && ph.p_memsz > 0; }

struct LoadCounts {
  unsigned long long adds = 0, subs = 0;
};

void read_counts(const dl_phdr_info* info, std::size_t size, LoadCounts& out) {
  if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
    out.adds = info->dlpi_adds;
    out.subs = info->dlpi_subs;
  }
}

int counts_only(dl_phdr_info* info, std::size_t size, void* data) {
  read_counts(info, size, *static_cast<LoadCounts*>(data));
  return 1;
}

int count_ranges(dl_phdr_info* info, std::size_t, void* data) {
  for (int i = 0; i < info->dlpi_phnum; ++i)
    if (is_code(info->dlpi_phdr[i])) ++*static_cast<std::size_t*>(data);
  return 0;
}

struct Build {
  const CodeTable* previous;
  CodeRange* out;
  std::size_t capacity, count = 0;
  bool truncated = false;
  LoadCounts counts;
};

int add_ranges(dl_phdr_info* info, std::size_t size, void* data) {
  auto& b = *static_cast<Build*>(data);
  read_counts(info, size, b.counts);
  bool decided = false, frame_pointers = true;
  const EhFrame::Location tables = EhFrame::locate(*info);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (!is_code(ph)) continue;
    if (b.count == b.capacity) {
      b.truncated = true;
      return 1;
    }
    const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr, hi = lo + ph.p_memsz;
    if (!decided) {
      // Decided once per module: a module already mapped keeps its answer.
      const CodeRange* known = b.previous ? b.previous->find(lo) : nullptr;
      frame_pointers = known && known->lo == lo && known->hi == hi ? known->frame_pointers
                                                                   : keeps_frame_pointers(info);
      decided = true;
    }
    b.out[b.count++] = CodeRange{lo, hi, frame_pointers, tables.hdr, tables.lo, tables.hi};
  }
  return 0;
}

}  // namespace

const CodeRange* CodeTable::find(std::uintptr_t address) const {
  std::size_t a = 0, b = count;
  while (a < b) {
    const std::size_t mid = a + (b - a) / 2;
    if (ranges[mid].lo <= address) a = mid + 1;
    else b = mid;
  }
  return a != 0 && address < ranges[a - 1].hi ? &ranges[a - 1] : nullptr;
}

bool CodeMap::refresh() {
  if (!refreshing_.try_lock()) return false;
  LoadCounts now;
  ::dl_iterate_phdr(counts_only, &now);
  const CodeTable* previous = table_.load(std::memory_order_acquire);
  if (previous && previous->adds == now.adds && previous->subs == now.subs) {
    refreshing_.unlock();
    return false;
  }
  std::size_t ranges = 0;
  ::dl_iterate_phdr(count_ranges, &ranges);
  const std::size_t capacity = ranges + 16;  // room for modules loaded in between
  auto* memory = static_cast<char*>(map_memory(sizeof(CodeTable) + capacity * sizeof(CodeRange)));
  if (!memory) {
    refreshing_.unlock();
    return false;
  }
  auto* table = reinterpret_cast<CodeTable*>(memory);
  auto* out = reinterpret_cast<CodeRange*>(memory + sizeof(CodeTable));
  Build build{previous, out, capacity, 0, false, LoadCounts{}};
  ::dl_iterate_phdr(add_ranges, &build);
  for (std::size_t i = 1; i < build.count; ++i)
    for (std::size_t j = i; j > 0 && out[j - 1].lo > out[j].lo; --j) {
      const CodeRange swap = out[j];
      out[j] = out[j - 1];
      out[j - 1] = swap;
    }
  table->count = build.count;
  table->ranges = out;
  table->subs = build.counts.subs;
  table->adds = build.truncated ? 0 : build.counts.adds;  // truncated: refresh again next time
  // Cached steps point into the old table, and may be of unloaded code.
  if (previous) g_frame_steps.clear();
  table_.store(table, std::memory_order_release);
  refreshing_.unlock();
  return true;
}

}  // namespace vigil::preload
