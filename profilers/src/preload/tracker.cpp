#include "tracker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "block_map.hpp"
#include "capture_writer.hpp"
#include "code_map.hpp"
#include "frame_steps.hpp"
#include "reachability.hpp"
#include "site_table.hpp"
#include "stack_capture.hpp"
#include "thread_registry.hpp"

namespace vigil::preload {
namespace {

pthread_mutex_t g_snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
std::atomic<bool> g_cycle_called{false};
std::atomic<bool> g_timer_alive{false};
std::uint64_t g_start_ns = 0;
std::uint64_t g_snapshot_index = 0;
char g_exe[1024] = {};
std::uint8_t* g_declared = nullptr;       // per site: stack written to the file
SiteTotals* g_site_scratch = nullptr;     // per site: totals of the current snapshot
constexpr std::size_t kSiteScratch = 1u << 17;

std::uint64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  std::uint64_t n = 0;
  for (; *v; ++v) {
    if (*v < '0' || *v > '9') return fallback;
    n = n * 10 + static_cast<std::uint64_t>(*v - '0');
  }
  return n;
}

// Live threads from /proc/self/task, without the tracker's timer thread.
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
  if (g_timer_alive.load(std::memory_order_acquire) && n > 0) --n;
  return n;
}

void declare_new_sites() {
  const std::uint32_t count = g_sites.site_count();
  for (std::uint32_t id = 0; id < count; ++id) {
    if (g_declared[id] || !g_sites.ready(id)) continue;
    unsigned depth = 0;
    const std::uintptr_t* frames = g_sites.frames(id, &depth);
    g_writer.text("site ").dec(id).ch(' ').dec(depth);
    for (unsigned i = 0; i < depth; ++i) g_writer.ch(' ').hex(frames[i]);
    g_writer.ch('\n');
    g_declared[id] = 1;
  }
}

int write_module(dl_phdr_info* info, size_t, void*) {
  const char* path = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : g_exe;
  if (!*path) return 0;
  g_writer.text("module ").hex(info->dlpi_addr).ch(' ').text(path).ch('\n');
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const std::uint64_t lo = info->dlpi_addr + ph.p_vaddr;
    g_writer.text("range ").hex(lo).ch(' ').hex(lo + ph.p_memsz).ch(' ');
    g_writer.ch(ph.p_flags & PF_R ? 'r' : '-').ch(ph.p_flags & PF_W ? 'w' : '-').ch(ph.p_flags & PF_X ? 'x' : '-');
    g_writer.ch('\n');
  }
  return 0;
}

// Caller holds g_snapshot_lock inside a TrackerScope.
void write_snapshot(const char* trigger) {
  declare_new_sites();
  const std::uint32_t count = g_sites.site_count();
  SiteTotals sum;
  for (std::uint32_t id = 0; id < count; ++id) {
    if (!g_declared[id]) {
      g_site_scratch[id] = SiteTotals{};
      continue;
    }
    const SiteTotals t = g_sites.totals(id);
    g_site_scratch[id] = t;
    sum.live_bytes += t.live_bytes;
    sum.live_blocks += t.live_blocks;
    sum.total_bytes += t.total_bytes;
    sum.total_blocks += t.total_blocks;
  }
  auto clamp = [](std::int64_t v) { return v < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(v); };
  g_writer.text("snapshot ").dec(g_snapshot_index++).ch(' ').dec(monotonic_ns() - g_start_ns).ch(' ');
  g_writer.text(trigger).ch(' ').dec(count_threads()).ch(' ').dec(clamp(sum.live_bytes)).ch(' ');
  g_writer.dec(clamp(sum.live_blocks)).ch(' ').dec(sum.total_bytes).ch(' ').dec(sum.total_blocks).ch('\n');
  for (std::uint32_t id = 0; id < count; ++id) {
    const SiteTotals& t = g_site_scratch[id];
    if (t.total_blocks == 0) continue;
    g_writer.text("s ").dec(id).ch(' ').dec(clamp(t.live_bytes)).ch(' ').dec(clamp(t.live_blocks)).ch(' ');
    g_writer.dec(t.total_bytes).ch(' ').dec(t.total_blocks).ch('\n');
  }
  ::dl_iterate_phdr(write_module, nullptr);
  g_writer.text("end-snapshot\n");
  g_writer.flush();
}

struct ExitCounts {
  std::uint64_t unreachable_bytes, unreachable_blocks, reachable_bytes, reachable_blocks;
};

// Classifies the unfreed blocks and writes the exit record; leaves the
// tracker Finished. Caller holds g_snapshot_lock inside a TrackerScope.
void write_exit_record() {
  const bool scan = g_config.sample_bytes == 0;
  ScanRoots roots;
  const bool have_roots = scan && gather_roots(roots);
  g_blocks.lock_all();
  const std::size_t capacity = g_blocks.live_count();
  auto* blocks = static_cast<LiveBlock*>(map_memory(sizeof(LiveBlock) * (capacity + 1)));
  auto* reachable = static_cast<std::uint8_t*>(map_memory(capacity + 1));
  const std::uint32_t site_count = g_sites.site_count();
  auto* counts = static_cast<ExitCounts*>(map_memory(sizeof(ExitCounts) * site_count));
  std::size_t n = 0;
  if (blocks && reachable && counts) {
    n = g_blocks.collect(blocks, capacity);
    if (have_roots) mark_reachable(roots, blocks, n, reachable);
    for (std::size_t i = 0; i < n; ++i) {
      ExitCounts& c = counts[blocks[i].info.site];
      // Without a scan (sampling mode) everything counts as still reachable.
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

  declare_new_sites();
  g_writer.text("exit ").dec(have_roots ? 1 : 0).ch('\n');
  for (std::uint32_t id = 0; counts && id < site_count; ++id) {
    const ExitCounts& c = counts[id];
    if (c.unreachable_blocks == 0 && c.reachable_blocks == 0) continue;
    g_writer.text("x ").dec(id).ch(' ').dec(c.unreachable_bytes).ch(' ').dec(c.unreachable_blocks).ch(' ');
    g_writer.dec(c.reachable_bytes).ch(' ').dec(c.reachable_blocks).ch('\n');
  }
  g_writer.text("end-exit\n");
  g_writer.flush();
  unmap_memory(blocks, sizeof(LiveBlock) * (capacity + 1));
  unmap_memory(reachable, capacity + 1);
  unmap_memory(counts, sizeof(ExitCounts) * site_count);
  if (have_roots) release_roots(roots);
}

void* timer_main(void*) {
  t_thread.in_tracker = true;  // the timer's own allocations are never tracked
  const std::uint64_t ms = g_config.interval_ms;
  timespec period{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1000000)};
  while (g_state.load(std::memory_order_acquire) == State::Enabled &&
         !g_cycle_called.load(std::memory_order_acquire)) {
    timespec left = period;
    while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
    if (g_cycle_called.load(std::memory_order_acquire)) break;
    ::pthread_mutex_lock(&g_snapshot_lock);
    if (g_state.load(std::memory_order_acquire) == State::Enabled) write_snapshot("timer");
    ::pthread_mutex_unlock(&g_snapshot_lock);
  }
  g_timer_alive.store(false, std::memory_order_release);
  return nullptr;
}

// A fork child is not tracked: it writes nothing and never touches the
// parent's tables (whose locks another parent thread may have held).
void on_fork_child() {
  g_state.store(State::Off, std::memory_order_release);
  g_timer_alive.store(false, std::memory_order_release);
  g_writer.abandon();
}

__attribute__((constructor)) void start_tracking() {
  TrackerScope scope;
  const char* dir = std::getenv("VIGIL_OUTPUT");
  if (!dir || !*dir || std::strlen(dir) >= sizeof g_config.output_dir) return;
  std::strcpy(g_config.output_dir, dir);
  const std::uint64_t depth = env_number("VIGIL_STACK_DEPTH", 32);
  g_config.stack_depth = depth < 1 ? 1 : depth > kMaxDepth ? kMaxDepth : static_cast<unsigned>(depth);
  g_config.interval_ms = env_number("VIGIL_INTERVAL_MS", 100);
  g_config.sample_bytes = env_number("VIGIL_SAMPLE_BYTES", 0);
  const char* unwind = std::getenv("VIGIL_UNWIND");
  g_config.libunwind_only = unwind && std::strcmp(unwind, "libunwind") == 0;

  ::mkdir(g_config.output_dir, 0755);
  if (!g_sites.init(g_config.stack_depth) || !g_blocks.init(g_config.sample_bytes != 0) || !g_frame_steps.init())
    return;
  g_code_map.refresh();
  g_declared = static_cast<std::uint8_t*>(map_memory(kSiteScratch));
  g_site_scratch = static_cast<SiteTotals*>(map_memory(sizeof(SiteTotals) * kSiteScratch));
  if (!g_declared || !g_site_scratch) return;
  if (!g_writer.open(g_config.output_dir, ::getpid())) return;
  const ssize_t len = ::readlink("/proc/self/exe", g_exe, sizeof g_exe - 1);
  g_exe[len > 0 ? len : 0] = '\0';
  g_writer.text("vigil-capture 1\nprocess ").dec(static_cast<std::uint64_t>(::getpid())).ch(' ');
  g_writer.dec(static_cast<std::uint64_t>(::getppid())).ch(' ').dec(g_config.sample_bytes).ch(' ');
  g_writer.dec(g_config.stack_depth).ch(' ').text(g_exe).ch('\n');
  g_writer.flush();

  init_thread_registry();
  ::pthread_atfork(nullptr, nullptr, on_fork_child);
  g_start_ns = monotonic_ns();
  g_state.store(State::Enabled, std::memory_order_release);
  if (g_config.interval_ms > 0) {
    pthread_t timer;
    g_timer_alive.store(true, std::memory_order_release);
    if (::pthread_create(&timer, nullptr, timer_main, nullptr) == 0) {
      ::pthread_detach(timer);
    } else {
      g_timer_alive.store(false, std::memory_order_release);
    }
  }
}

// Runs from _dl_fini, after the program's atexit handlers and static
// destructors, in whichever thread called exit() (or returned from main).
__attribute__((destructor)) void finish_tracking() {
  State expected = State::Enabled;
  if (!g_state.compare_exchange_strong(expected, State::Exiting, std::memory_order_acq_rel)) return;
  TrackerScope scope;
  ::pthread_mutex_lock(&g_snapshot_lock);
  write_snapshot("exit");
  write_exit_record();
  g_writer.close();
  ::pthread_mutex_unlock(&g_snapshot_lock);
}

}  // namespace

void sample_weights(ThreadState& t, std::size_t size, std::uint64_t* bytes, std::uint64_t* blocks) {
  const double mean = static_cast<double>(g_config.sample_bytes);
  // xorshift64* then an exponential draw: the gap to the next sampled byte.
  auto next_uniform = [&t]() {
    t.rng ^= t.rng >> 12;
    t.rng ^= t.rng << 25;
    t.rng ^= t.rng >> 27;
    const std::uint64_t r = t.rng * 0x2545F4914F6CDD1DULL;
    return (static_cast<double>(r >> 11) + 0.5) * 0x1.0p-53;
  };
  if (!t.sampler_ready) {
    if (t.rng == 0) t.rng = 0x9E3779B97F4A7C15ULL ^ static_cast<std::uint64_t>(current_tid()) ^ monotonic_ns();
    t.sampler_ready = true;
    t.bytes_until_sample += static_cast<std::int64_t>(-std::log(next_uniform()) * mean) + 1;
    if (t.bytes_until_sample > 0) {
      *bytes = *blocks = 0;
      return;
    }
  }
  t.bytes_until_sample = static_cast<std::int64_t>(-std::log(next_uniform()) * mean) + 1;
  // Each sample stands for size / P(sampled), P = 1 - exp(-size / mean).
  double p = -std::expm1(-static_cast<double>(size) / mean);
  if (p < 1e-9) p = 1e-9;
  *bytes = static_cast<std::uint64_t>(static_cast<double>(size) / p + 0.5);
  const double b = 1.0 / p + 0.5;
  *blocks = b > 4e9 ? 4000000000ULL : static_cast<std::uint64_t>(b);
}

void record_allocation(void* p, std::size_t size, std::uint64_t bytes, std::uint64_t blocks, void* entry_frame) {
  if (blocks == 0) return;  // the sampler's first draw said: not this one
  ThreadState& t = t_thread;
  t.in_tracker = true;
  if (!t.initialized) init_thread(t);
  std::uintptr_t frames[kMaxDepth];
  const unsigned depth = capture_stack(entry_frame, frames, g_config.stack_depth, t);
  const std::uint32_t site = g_sites.intern(frames, depth, hash_stack(frames, depth));
  g_sites.on_alloc(site, t.stripe, bytes, blocks);
  g_blocks.insert(reinterpret_cast<std::uintptr_t>(p), size,
                  BlockInfo{bytes, site, static_cast<std::uint32_t>(blocks)});
  t.in_tracker = false;
}

bool on_freeing(void* p, LiveBlock* out) {
  if (p == nullptr) return false;
  const State s = g_state.load(std::memory_order_relaxed);
  // While exiting, frees wait for the scan (it reads the blocks).
  if (s != State::Enabled && s != State::Exiting) return false;
  const auto address = reinterpret_cast<std::uintptr_t>(p);
  ThreadState& t = t_thread;
  if (t.in_tracker) return false;  // only the tracker's own, untracked blocks
  if (!g_blocks.remove(address, out)) return false;
  g_sites.on_free(out->info.site, t.stripe, out->info.bytes, out->info.blocks);
  return true;
}

void on_restored(const LiveBlock& block) {
  g_sites.add_live(block.info.site, t_thread.stripe, block.info.bytes, block.info.blocks);
  g_blocks.insert(block.address, block.size, block.info);
}

void cycle_snapshot() {
  if (g_state.load(std::memory_order_acquire) != State::Enabled) return;
  g_cycle_called.store(true, std::memory_order_release);
  TrackerScope scope;
  ::pthread_mutex_lock(&g_snapshot_lock);
  if (g_state.load(std::memory_order_acquire) == State::Enabled) write_snapshot("cycle");
  ::pthread_mutex_unlock(&g_snapshot_lock);
}

}  // namespace vigil::preload
