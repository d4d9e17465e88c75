#include "cpu_profile.hpp"

#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "capture_writer.hpp"
#include "code_map.hpp"
#include "cpu_sampler.hpp"
#include "frame_steps.hpp"
#include "process_mark.hpp"
#include "runtime.hpp"
#include "snapshot_writer.hpp"
#include "vigil/profilers/capture_format.hpp"

namespace vigil::preload {
namespace {

using Records = profilers::capture_format::RecordWriter<CaptureWriter>;

std::atomic<bool> g_profiling{false};
pthread_key_t g_timer_key;

// The timer of the thread that ends goes with it.
void on_thread_exit(void* timer) { sampling::stop_thread_timer(static_cast<timer_t>(timer)); }

void start_own_timer() {
  timer_t timer;
  if (!sampling::start_thread_timer(sampling::current_tid(), g_config.profile_hz, &timer)) return;
  ::pthread_setspecific(g_timer_key, timer);
}

void on_fork_child() {
  g_profiling.store(false, std::memory_order_release);
  g_writer.abandon();
}

struct ThreadStart {
  void* (*routine)(void*);
  void* arg;
};

void* profiled_thread(void* p) {
  const ThreadStart start = *static_cast<ThreadStart*>(p);
  std::free(p);
  if (g_profiling.load(std::memory_order_acquire)) {
    refresh_code_map_if_stale();
    start_own_timer();
  }
  return start.routine(start.arg);
}

using PthreadCreate = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

PthreadCreate real_pthread_create() {
  static std::atomic<PthreadCreate> real{nullptr};
  PthreadCreate f = real.load(std::memory_order_acquire);
  if (!f) {
    f = reinterpret_cast<PthreadCreate>(::dlsym(RTLD_NEXT, "pthread_create"));
    real.store(f, std::memory_order_release);
  }
  return f;
}

}  // namespace

void refresh_code_map_if_stale() {
  if (g_code_map_stale.exchange(false, std::memory_order_acq_rel)) g_code_map.refresh();
}

void start_cpu_profile() {
  if (!g_frame_steps.init()) return;
  g_code_map.refresh();
  g_process_mark.set();
  if (!sampling::install(g_config.stack_depth) || !open_capture()) return;
  if (::pthread_key_create(&g_timer_key, on_thread_exit) != 0) return;
  ::pthread_atfork(nullptr, nullptr, on_fork_child);
  g_profiling.store(true, std::memory_order_release);
  sampling::begin();
  start_own_timer();
}

void finish_cpu_profile() {
  if (!g_profiling.exchange(false, std::memory_order_acq_rel)) return;
  // A raw clone child's copy, or a vfork child calling exit(): not ours to write.
  if (g_process_mark.in_child_copy() || g_process_mark.in_other_process()) return g_writer.forget();
  sampling::end();
  Records records(g_writer);
  const sampling::SampleStore& store = sampling::g_samples;
  records.cpu_profile(g_config.profile_hz, store.threads(), store.samples(), store.dropped());
  store.for_each([&](const std::uintptr_t* frames, unsigned n, std::uint64_t weight) {
    records.cpu_sample(weight, frames, n);
  });
  write_module_map();
  records.end_cpu_profile();
  close_capture();
}

}  // namespace vigil::preload

extern "C" __attribute__((visibility("default"))) int pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                                                                      void* (*routine)(void*), void* arg) {
  using namespace vigil::preload;
  const PthreadCreate real = real_pthread_create();
  if (!g_profiling.load(std::memory_order_acquire)) return real(thread, attr, routine, arg);
  auto* start = static_cast<ThreadStart*>(std::malloc(sizeof(ThreadStart)));
  if (!start) return EAGAIN;
  *start = ThreadStart{routine, arg};
  const int rc = real(thread, attr, profiled_thread, start);
  if (rc != 0) std::free(start);
  return rc;
}
