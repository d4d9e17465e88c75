// The tracker's life in a process: configured and started by the library's
// constructor, finished by its destructor (the exit snapshot and the exit
// record), and switched off for good in children that do not exec. With
// VIGIL_PROFILE_HZ the library profiles CPU time instead (cpu_profile.hpp).

#include <pthread.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

#include "block_map.hpp"
#include "capture_writer.hpp"
#include "code_map.hpp"
#include "cpu_profile.hpp"
#include "frame_steps.hpp"
#include "process_mark.hpp"
#include "site_table.hpp"
#include "snapshot_writer.hpp"
#include "thread_registry.hpp"
#include "tracker.hpp"
#include "vigil/profilers/capture_format.hpp"

namespace vigil::preload {
namespace {

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

// The configuration the launcher hands over (launcher.hpp); false without
// an output folder.
bool read_config() {
  const char* dir = std::getenv("VIGIL_OUTPUT");
  if (!dir || !*dir || std::strlen(dir) >= sizeof g_config.output_dir) return false;
  std::strcpy(g_config.output_dir, dir);
  const std::uint64_t depth = env_number("VIGIL_STACK_DEPTH", 32);
  g_config.stack_depth = depth < 1 ? 1 : depth > kMaxDepth ? kMaxDepth : static_cast<unsigned>(depth);
  g_config.interval_ms = env_number("VIGIL_INTERVAL_MS", 100);
  g_config.sample_bytes = env_number("VIGIL_SAMPLE_BYTES", 0);
  const char* unwind = std::getenv("VIGIL_UNWIND");
  g_config.libunwind_only = unwind && std::strcmp(unwind, "libunwind") == 0;
  const std::uint64_t hz = env_number("VIGIL_PROFILE_HZ", 0);
  g_config.profile_hz = hz > kMaxProfileHz ? kMaxProfileHz : static_cast<unsigned>(hz);
  return true;
}

// A fork child is not tracked: it writes nothing and never touches the
// parent's tables (whose locks another parent thread may have held). Its
// file table is its own copy: the capture's descriptor is closed.
void on_fork_child() {
  g_state.store(State::Off, std::memory_order_release);
  g_writer.abandon();
}

__attribute__((constructor)) void start_tracking() {
  TrackerScope scope;
  if (!read_config()) return;
  ::mkdir(g_config.output_dir, 0755);
  if (g_config.profile_hz != 0) return start_cpu_profile();
  if (!g_sites.init(g_config.stack_depth) || !g_blocks.init(g_config.sample_bytes != 0) || !g_frame_steps.init())
    return;
  g_code_map.refresh();
  g_process_mark.set();
  if (!open_capture()) return;
  init_thread_registry();
  // The stack bounds of the thread that loads the library, usually the main one.
  init_thread(t_thread);
  ::pthread_atfork(nullptr, nullptr, on_fork_child);
  start_timer(monotonic_ns());
  g_state.store(State::Enabled, std::memory_order_release);
}

// Runs from _dl_fini, after the program's atexit handlers and static
// destructors, in whichever thread called exit() (or returned from main).
__attribute__((destructor)) void finish_tracking() {
  // exit() from a signal handler that interrupted the tracker on this
  // thread, which may hold the locks the exit record needs: nothing is
  // written (as when the process is killed).
  if (t_thread.in_tracker) return;
  if (g_config.profile_hz != 0) return finish_cpu_profile();
  if (g_process_mark.in_child_copy()) return leave_child_untracked();
  // A vfork child calling exit(): the tracked process goes on.
  if (g_process_mark.in_other_process()) return;
  State expected = State::Enabled;
  if (!g_state.compare_exchange_strong(expected, State::Exiting, std::memory_order_acq_rel)) return;
  TrackerScope scope;
  ::pthread_mutex_lock(&g_snapshot_lock);
  write_snapshot(profilers::capture_format::kTriggerExit);
  write_exit_record();
  close_capture();
  ::pthread_mutex_unlock(&g_snapshot_lock);
}

}  // namespace
}  // namespace vigil::preload
