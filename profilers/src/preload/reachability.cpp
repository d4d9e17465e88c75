#include "reachability.hpp"

#include <link.h>

#include <algorithm>
#include <cstring>

#include "maps_lines.hpp"
#include "runtime.hpp"
#include "thread_registry.hpp"

namespace vigil::preload {
namespace {

constexpr std::size_t kMaxRanges = 1 << 16;
constexpr std::size_t kMaxHoles = 1 << 16;
// glibc serves requests from this size on (its initial mmap threshold) with
// a mapping of their own; smaller blocks live in its heaps.
constexpr std::uint64_t kOwnMappingSize = 128 * 1024;

// Readable mappings from /proc/self/maps, in address order, and among them
// the writable ones the program mapped itself (anonymous); the main stack.
void read_mappings(ScanRoots& r, AddressRange* main_stack) {
  static char buf[1 << 16];
  for_each_maps_line(buf, sizeof buf, [&](const MapsLine& line) {
    const AddressRange range{line.lo, line.hi};
    if (line.readable && r.readable_count < kMaxRanges) r.readable[r.readable_count++] = range;
    if (line.readable && line.writable && line.anonymous && r.anonymous_count < kMaxRanges)
      r.anonymous[r.anonymous_count++] = range;
    if (line.main_stack) *main_stack = range;
    return true;
  });
}

struct PhdrContext {
  ScanRoots* roots;
  std::uintptr_t self_address;  // an address inside the tracker
};

void add_root(ScanRoots& r, std::uintptr_t lo, std::uintptr_t hi) {
  if (hi > lo && r.root_count < r.capacity) r.roots[r.root_count++] = AddressRange{lo, hi};
}

int add_module_roots(dl_phdr_info* info, size_t, void* data) {
  auto* ctx = static_cast<PhdrContext*>(data);
  bool is_self = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD && ctx->self_address >= lo && ctx->self_address < lo + ph.p_memsz) is_self = true;
  }
  if (is_self) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W)) add_root(*ctx->roots, lo, lo + ph.p_memsz);
    // The calling thread's TLS block of this module.
    if (ph.p_type == PT_TLS && info->dlpi_tls_data) {
      const auto tls = reinterpret_cast<std::uintptr_t>(info->dlpi_tls_data);
      add_root(*ctx->roots, tls, tls + ph.p_memsz);
    }
  }
  return 0;
}

class Marker {
 public:
  Marker(LiveBlock* blocks, std::size_t count, std::uint8_t* reachable, std::uint32_t* work)
      : blocks_(blocks), count_(count), reachable_(reachable), work_(work) {
    if (count_ != 0) {
      min_ = blocks_[0].address;
      max_ = blocks_[count_ - 1].address + blocks_[count_ - 1].size + 1;
    }
  }

  void scan(std::uintptr_t lo, std::uintptr_t hi) {
    lo = (lo + sizeof(std::uintptr_t) - 1) & ~(sizeof(std::uintptr_t) - 1);
    for (std::uintptr_t w = lo; w + sizeof(std::uintptr_t) <= hi; w += sizeof(std::uintptr_t)) {
      const std::uintptr_t v = *reinterpret_cast<const std::uintptr_t*>(w);
      if (v < min_ || v >= max_) continue;
      // The last block starting at or below v.
      std::size_t a = 0, b = count_;
      while (a < b) {
        const std::size_t mid = (a + b) / 2;
        if (blocks_[mid].address <= v) a = mid + 1;
        else b = mid;
      }
      if (a == 0) continue;
      const std::size_t i = a - 1;
      const std::uint64_t extent = blocks_[i].size ? blocks_[i].size : 1;
      if (v - blocks_[i].address >= extent || reachable_[i]) continue;
      reachable_[i] = 1;
      work_[top_++] = static_cast<std::uint32_t>(i);
    }
  }

  void drain() {
    while (top_ != 0) {
      const LiveBlock& b = blocks_[work_[--top_]];
      scan(b.address, b.address + b.size);
    }
  }

 private:
  LiveBlock* blocks_;
  std::size_t count_;
  std::uint8_t* reachable_;
  std::uint32_t* work_;
  std::size_t top_ = 0;
  std::uintptr_t min_ = 0, max_ = 0;
};

// Scans the part of [lo, hi) that lies in readable mappings.
template <typename Scan>
void for_readable(const ScanRoots& r, AddressRange range, Scan&& scan) {
  for (std::size_t i = 0; i < r.readable_count; ++i) {
    const AddressRange& m = r.readable[i];
    const std::uintptr_t lo = std::max(m.lo, range.lo), hi = std::min(m.hi, range.hi);
    if (lo < hi) scan(lo, hi);
  }
}

// Memory the program mapped itself (an interpreter's object arenas, a
// custom allocator's pages, the stacks of threads that never allocated) is
// scanned as roots, as valgrind does, except what is not the program's own
// data: glibc's heaps (a mapping that holds a block smaller than those glibc
// maps one by one; the main heap, [heap], is not anonymous), those big
// blocks themselves (scanned as blocks when reachable), the tracker's
// tables, and the calling thread's stack, whose live part is scanned from
// its own frame up.
void scan_anonymous_memory(const ScanRoots& r, const LiveBlock* blocks, std::size_t count, std::uintptr_t sp,
                           Marker& marker) {
  // r.holes: first the tracker's mappings, then the holes of one mapping.
  std::size_t tracker = tracker_mappings(r.holes, kMaxHoles / 2);
  if (tracker > kMaxHoles / 2) tracker = kMaxHoles / 2;
  AddressRange* const holes = r.holes + tracker;
  const std::size_t capacity = kMaxHoles - tracker;
  for (std::size_t m = 0; m < r.anonymous_count; ++m) {
    const AddressRange mapping = r.anonymous[m];
    std::size_t n = 0;
    auto add_hole = [&](AddressRange hole) {
      if (n < capacity && hole.hi > mapping.lo && hole.lo < mapping.hi) holes[n++] = hole;
    };
    for (std::size_t t = 0; t < tracker; ++t) add_hole(r.holes[t]);
    std::size_t i = 0, end = count;  // the first block at or above the mapping
    while (i < end) {
      const std::size_t mid = (i + end) / 2;
      if (blocks[mid].address < mapping.lo) i = mid + 1;
      else end = mid;
    }
    bool heap = false;
    for (; i < count && blocks[i].address < mapping.hi && !heap; ++i) {
      heap = blocks[i].size < kOwnMappingSize;
      add_hole(AddressRange{blocks[i].address, blocks[i].address + blocks[i].size});
    }
    if (heap) continue;
    if (sp >= mapping.lo && sp < mapping.hi) add_hole(AddressRange{mapping.lo, r.self_stack_hi});
    std::sort(holes, holes + n, [](const AddressRange& a, const AddressRange& b) { return a.lo < b.lo; });
    std::uintptr_t at = mapping.lo;
    auto scan_up_to = [&](std::uintptr_t hi) {
      if (hi <= at) return;
      for_readable(r, AddressRange{at, hi}, [&](std::uintptr_t lo, std::uintptr_t up) {
        marker.scan(lo, up);
        marker.drain();
      });
    };
    for (std::size_t h = 0; h < n; ++h) {
      scan_up_to(std::min(holes[h].lo, mapping.hi));
      at = std::max(at, holes[h].hi);
    }
    scan_up_to(mapping.hi);
  }
}

}  // namespace

bool gather_roots(ScanRoots& r) {
  r.capacity = kMaxRanges;
  r.readable = static_cast<AddressRange*>(map_memory(sizeof(AddressRange) * kMaxRanges));
  r.roots = static_cast<AddressRange*>(map_memory(sizeof(AddressRange) * kMaxRanges));
  r.anonymous = static_cast<AddressRange*>(map_memory(sizeof(AddressRange) * kMaxRanges));
  r.holes = static_cast<AddressRange*>(map_memory(sizeof(AddressRange) * kMaxHoles));
  if (!r.readable || !r.roots || !r.anonymous || !r.holes) return false;
  AddressRange main_stack{0, 0};
  read_mappings(r, &main_stack);
  PhdrContext ctx{&r, reinterpret_cast<std::uintptr_t>(&gather_roots)};
  ::dl_iterate_phdr(add_module_roots, &ctx);
  // The calling thread's stack is added by mark_reachable, from its own
  // frame up: what lies below are dead frames (of the very functions that
  // may have leaked). Other threads' stack pointers are unknown: their whole
  // stacks are scanned.
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  const pid_t self = current_tid();
  if (here >= main_stack.lo && here < main_stack.hi) {
    r.self_stack_hi = main_stack.hi;
  } else {
    add_root(r, main_stack.lo, main_stack.hi);
    r.self_stack_hi = t_thread.initialized ? t_thread.stack_hi : here;
  }
  static ThreadStack threads[4096];
  const std::size_t n = registered_threads(threads, 4096);
  for (std::size_t i = 0; i < n; ++i)
    if (threads[i].tid != self && threads[i].tid != ::getpid()) add_root(r, threads[i].lo, threads[i].hi);
  return true;
}

void release_roots(ScanRoots& r) {
  unmap_memory(r.readable, sizeof(AddressRange) * kMaxRanges);
  unmap_memory(r.roots, sizeof(AddressRange) * kMaxRanges);
  unmap_memory(r.anonymous, sizeof(AddressRange) * kMaxRanges);
  unmap_memory(r.holes, sizeof(AddressRange) * kMaxHoles);
  r = ScanRoots{};
}

__attribute__((noinline)) void mark_reachable(const ScanRoots& roots, LiveBlock* blocks, std::size_t count,
                                              std::uint8_t* reachable) {
  // Callee-saved registers of this thread go to the stack, which is a root.
  __builtin_unwind_init();
  std::sort(blocks, blocks + count, [](const LiveBlock& a, const LiveBlock& b) { return a.address < b.address; });
  auto* work = static_cast<std::uint32_t*>(map_memory(sizeof(std::uint32_t) * (count + 1)));
  if (!work) return;
  Marker marker(blocks, count, reachable, work);
  volatile char here = 0;
  const auto sp = reinterpret_cast<std::uintptr_t>(&here) & ~std::uintptr_t{7};
  for_readable(roots, AddressRange{sp, roots.self_stack_hi}, [&](std::uintptr_t lo, std::uintptr_t hi) {
    marker.scan(lo, hi);
    marker.drain();
  });
  for (std::size_t i = 0; i < roots.root_count; ++i) {
    for_readable(roots, roots.roots[i], [&](std::uintptr_t lo, std::uintptr_t hi) {
      marker.scan(lo, hi);
      marker.drain();
    });
  }
  scan_anonymous_memory(roots, blocks, count, sp, marker);
  unmap_memory(work, sizeof(std::uint32_t) * (count + 1));
}

}  // namespace vigil::preload
