#include "vigil/profilers/cpu_profiler.hpp"

#include <dirent.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "code_map.hpp"
#include "cpu_sampler.hpp"
#include "frame_steps.hpp"
#include "vigil/profilers/cpu_profile.hpp"
#include "vigil/profilers/loaded_modules.hpp"

namespace vigil::profilers {
namespace {

std::atomic<bool> g_busy{false};
constexpr auto kWatchPeriod = std::chrono::milliseconds(20);
// How often a profiler waiting for another one checks whether it has stopped.
constexpr auto kBusyPoll = std::chrono::milliseconds(2);

std::vector<pid_t> process_threads() {
  std::vector<pid_t> tids;
  DIR* dir = ::opendir("/proc/self/task");
  if (!dir) return tids;
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long tid = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0') tids.push_back(static_cast<pid_t>(tid));
  }
  ::closedir(dir);
  return tids;
}

}  // namespace

struct CpuProfiler::Impl {
  unsigned hz = 0;
  bool running = false;
  std::map<pid_t, timer_t> timers;  // every thread seen, while it runs
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::thread watcher;
  pid_t watcher_tid = 0;
  std::uint64_t dropped_at_stop = 0;

  // New threads get a timer; the code map follows dlopen.
  void watch_threads() {
    for (const pid_t tid : process_threads()) {
      if (tid == watcher_tid || timers.count(tid)) continue;
      timer_t timer;
      if (sampling::start_thread_timer(tid, hz, &timer)) timers.emplace(tid, timer);
    }
    if (preload::g_code_map_stale.exchange(false)) preload::g_code_map.refresh();
  }

  void watch() {
    watcher_tid = sampling::current_tid();
    std::unique_lock lock(mutex);
    while (!stopping) {
      watch_threads();
      wake.wait_for(lock, kWatchPeriod, [&] { return stopping; });
    }
  }
};

CpuProfiler::CpuProfiler(unsigned hz, unsigned depth, std::chrono::milliseconds wait_for_other)
    : impl_(std::make_unique<Impl>()) {
  if (hz < 1 || hz > kMaxHz) throw CpuProfilerError("sampling rate must be within 1.." + std::to_string(kMaxHz) + " Hz");
  const auto give_up = std::chrono::steady_clock::now() + wait_for_other;
  while (g_busy.exchange(true)) {
    if (std::chrono::steady_clock::now() >= give_up) {
      throw CpuProfilerError("a CPU profile is already being taken in this process");
    }
    std::this_thread::sleep_for(kBusyPoll);
  }
  if (!preload::g_frame_steps.init() || !sampling::install(depth)) {
    g_busy.store(false);
    throw CpuProfilerError("cannot set up the CPU sampler (SIGPROF handler or sample memory)");
  }
  preload::g_code_map.refresh();
  sampling::g_samples.reset();
  impl_->hz = hz;
  sampling::begin();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->watch_threads();
  }
  impl_->watcher = std::thread([impl = impl_.get()] { impl->watch(); });
  impl_->running = true;
}

CpuProfiler::~CpuProfiler() {
  if (impl_ && impl_->running) stop();
}

std::uint64_t CpuProfiler::dropped() const {
  return impl_->running ? sampling::g_samples.dropped() : impl_->dropped_at_stop;
}

reports::Profile CpuProfiler::stop() {
  reports::Profile profile;
  if (!impl_->running) return profile;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->watcher.join();
  for (const auto& [tid, timer] : impl_->timers) sampling::stop_thread_timer(timer);
  impl_->timers.clear();
  sampling::end();
  impl_->running = false;

  RawSamples raw;
  sampling::g_samples.for_each([&](const std::uintptr_t* frames, unsigned n, std::uint64_t weight) {
    raw.stacks.push_back(CpuSample{weight, std::vector<std::uint64_t>(frames, frames + n)});
  });
  raw.threads = sampling::g_samples.threads();
  raw.dropped = impl_->dropped_at_stop = sampling::g_samples.dropped();
  sampling::g_samples.reset();
  g_busy.store(false);
  raw.modules = loaded_modules();
  set_cpu_time(profile, add_samples(profile, raw), impl_->hz);
  return profile;
}

}  // namespace vigil::profilers
