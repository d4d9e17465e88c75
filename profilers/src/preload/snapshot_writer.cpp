#include "snapshot_writer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <link.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "block_map.hpp"
#include "capture_writer.hpp"
#include "reachability.hpp"
#include "runtime.hpp"
#include "site_table.hpp"
#include "vigil/profilers/capture_format.hpp"

namespace vigil::preload {

pthread_mutex_t g_snapshot_lock = PTHREAD_MUTEX_INITIALIZER;

namespace {

using Records = profilers::capture_format::RecordWriter<CaptureWriter>;
using profilers::ExitSite;
using profilers::SiteCounters;

std::uint64_t g_start_ns = 0;
std::uint64_t g_snapshot_index = 0;
char g_exe[1024] = {};
std::uint8_t* g_declared = nullptr;  // per site: its stack is in the file
SiteTotals* g_site_scratch = nullptr;  // per site: its totals in the snapshot being written

Records records() { return Records(g_writer); }

// Live threads of the process, from /proc/self/task.
std::uint64_t count_threads() {
  const int fd = ::open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  alignas(8) char buf[8192];
  std::uint64_t n = 0;
  for (;;) {
    const long got = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (got <= 0) break;
    for (long off = 0; off < got;) {
      const auto* d = reinterpret_cast<const dirent64*>(buf + off);
      if (d->d_name[0] != '.') ++n;
      off += d->d_reclen;
    }
  }
  ::close(fd);
  return n;
}

void declare_new_sites() {
  const std::uint32_t count = g_sites.site_count();
  for (std::uint32_t id = 0; id < count; ++id) {
    if (g_declared[id] || !g_sites.ready(id)) continue;
    unsigned depth = 0;
    const std::uintptr_t* frames = g_sites.frames(id, &depth);
    records().site(id, frames, depth);
    g_declared[id] = 1;
  }
}

int write_module(dl_phdr_info* info, size_t, void*) {
  const char* path = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : g_exe;
  if (!*path) return 0;
  records().module(info->dlpi_addr, path);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const std::uint64_t lo = info->dlpi_addr + ph.p_vaddr;
    records().range(lo, lo + ph.p_memsz, ph.p_flags & PF_R, ph.p_flags & PF_W, ph.p_flags & PF_X);
  }
  return 0;
}

std::uint64_t clamp(std::int64_t v) { return v < 0 ? 0 : static_cast<std::uint64_t>(v); }

// Unfreed blocks at exit per site, classified by the scan (when there is
// one: in sampling mode everything counts as still reachable). `counts`
// holds a record per site.
bool classify_unfreed(ExitSite* counts) {
  const bool scan = g_config.sample_bytes == 0;
  ScanRoots roots;
  const bool have_roots = scan && gather_roots(roots);
  g_blocks.lock_all();
  const std::size_t capacity = g_blocks.live_count();
  auto* blocks = static_cast<LiveBlock*>(map_memory(sizeof(LiveBlock) * (capacity + 1)));
  auto* reachable = static_cast<std::uint8_t*>(map_memory(capacity + 1));
  if (blocks && reachable && counts) {
    const std::size_t n = g_blocks.collect(blocks, capacity);
    if (have_roots) mark_reachable(roots, blocks, n, reachable);
    for (std::size_t i = 0; i < n; ++i) {
      ExitSite& c = counts[blocks[i].info.site];
      if (have_roots && !reachable[i]) {
        c.unreachable_bytes += blocks[i].info.bytes;
        c.unreachable_blocks += blocks[i].info.blocks;
      } else {
        c.reachable_bytes += blocks[i].info.bytes;
        c.reachable_blocks += blocks[i].info.blocks;
      }
    }
  }
  g_state.store(State::Finished, std::memory_order_release);
  g_blocks.unlock_all();
  unmap_memory(blocks, sizeof(LiveBlock) * (capacity + 1));
  unmap_memory(reachable, capacity + 1);
  if (have_roots) release_roots(roots);
  return have_roots;
}

}  // namespace

std::uint64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

bool open_capture() {
  g_declared = static_cast<std::uint8_t*>(map_memory(SiteTable::kMaxSites));
  g_site_scratch = static_cast<SiteTotals*>(map_memory(sizeof(SiteTotals) * SiteTable::kMaxSites));
  if (!g_declared || !g_site_scratch) return false;
  if (!g_writer.open(g_config.output_dir, ::getpid())) return false;
  const ssize_t len = ::readlink("/proc/self/exe", g_exe, sizeof g_exe - 1);
  g_exe[len > 0 ? len : 0] = '\0';
  records().header();
  records().process(static_cast<std::uint64_t>(::getpid()), static_cast<std::uint64_t>(::getppid()),
                    g_config.sample_bytes, g_config.stack_depth, g_exe);
  g_writer.flush();
  g_start_ns = monotonic_ns();
  return true;
}

void write_snapshot(std::string_view trigger) {
  declare_new_sites();
  const std::uint32_t count = g_sites.site_count();
  SiteTotals sum;
  for (std::uint32_t id = 0; id < count; ++id) {
    const SiteTotals t = g_declared[id] ? g_sites.totals(id) : SiteTotals{};
    g_site_scratch[id] = t;
    sum.live_bytes += t.live_bytes;
    sum.live_blocks += t.live_blocks;
    sum.total_bytes += t.total_bytes;
    sum.total_blocks += t.total_blocks;
  }
  profilers::capture_format::SnapshotHead head;
  head.index = g_snapshot_index++;
  head.time_ns = monotonic_ns() - g_start_ns;
  head.trigger = trigger;
  head.threads = count_threads();
  head.live_bytes = clamp(sum.live_bytes);
  head.live_blocks = clamp(sum.live_blocks);
  head.total_bytes = sum.total_bytes;
  head.total_blocks = sum.total_blocks;
  records().snapshot(head);
  for (std::uint32_t id = 0; id < count; ++id) {
    const SiteTotals& t = g_site_scratch[id];
    if (t.total_blocks == 0) continue;
    records().site_counters(SiteCounters{id, clamp(t.live_bytes), clamp(t.live_blocks), t.total_bytes, t.total_blocks});
  }
  write_module_map();
  records().end_snapshot();
  g_writer.flush();
}

void write_exit_record() {
  const std::uint32_t site_count = g_sites.site_count();
  auto* counts = static_cast<ExitSite*>(map_memory(sizeof(ExitSite) * site_count));
  const bool scanned = classify_unfreed(counts);
  declare_new_sites();
  records().exit(scanned);
  for (std::uint32_t id = 0; counts && id < site_count; ++id) {
    ExitSite& c = counts[id];
    if (c.unreachable_blocks == 0 && c.reachable_blocks == 0) continue;
    c.site = id;
    records().exit_site(c);
  }
  records().end_exit();
  g_writer.flush();
  unmap_memory(counts, sizeof(ExitSite) * site_count);
}

void write_module_map() { ::dl_iterate_phdr(write_module, nullptr); }

void close_capture() { g_writer.close(); }

}  // namespace vigil::preload
