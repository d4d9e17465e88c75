#include "cpu_sampler.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "stack_mapping.hpp"
#include "stack_walk.hpp"

namespace vigil::sampling {

SampleStore g_samples;

namespace {

// 4096 chunks of 128 KiB: 512 MiB of address space, touched as filled
// (~2 million stacks of 32 frames, hours of CPU time at 99 Hz).
constexpr std::size_t kChunks = 4096;

// Marks the timers' signals as ours (sigev_value).
constexpr int kTimerMark = 0x76696731;

std::atomic<bool> g_recording{false};
std::atomic<int> g_in_handler{0};
std::atomic<bool> g_installed{false};
unsigned g_depth = 32;

// The program's SIGPROF action (program_sigaction): written by the program
// under a lock into the slot not in use, then published, so a signal that
// arrives during an update reads the whole previous action.
struct sigaction g_program_slots[2];
std::atomic<const struct sigaction*> g_program_action{nullptr};
std::atomic<bool> g_program_lock{false};

// A SIGPROF our timers did not send: the program's own (its setitimer, a
// kill). Delivered as the program asked; default and ignore both drop it
// (a profiled program is not ended by its profiler's signal).
void forward_to_program(int signo, siginfo_t* info, void* context) {
  const struct sigaction* a = g_program_action.load(std::memory_order_acquire);
  if (a == nullptr) return;
  if (a->sa_flags & SA_SIGINFO) {
    if (a->sa_sigaction != nullptr) a->sa_sigaction(signo, info, context);
  } else if (a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN) {
    a->sa_handler(signo);
  }
}

void on_sigprof(int signo, siginfo_t* info, void* context) {
  if (info->si_code != SI_TIMER || info->si_value.sival_int != kTimerMark) return forward_to_program(signo, info, context);
  g_in_handler.fetch_add(1, std::memory_order_acq_rel);
  if (g_recording.load(std::memory_order_acquire)) {
    const int saved_errno = errno;
    const mcontext_t& m = static_cast<const ucontext_t*>(context)->uc_mcontext;
    const preload::InterruptedAt at{static_cast<std::uintptr_t>(m.gregs[REG_RIP]),
                                    static_cast<std::uintptr_t>(m.gregs[REG_RSP]),
                                    static_cast<std::uintptr_t>(m.gregs[REG_RBP])};
    std::uintptr_t frames[kMaxSampleDepth];
    const unsigned n = preload::walk_interrupted(at, thread_stack_around(at.sp), frames, g_depth);
    // Periods the kernel saw expire while this signal was pending (CPU
    // timers are checked at scheduler ticks: several periods may pass).
    const int overrun = info->si_overrun;
    g_samples.append(frames, n, 1 + static_cast<std::uint32_t>(overrun > 0 && overrun < 1000000 ? overrun : 0));
    errno = saved_errno;
  }
  g_in_handler.fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace

bool install(unsigned depth) {
  g_depth = depth < 1 ? 1 : depth > kMaxSampleDepth ? kMaxSampleDepth : depth;
  if (!g_samples.init(kChunks)) return false;
  struct sigaction action {};
  action.sa_sigaction = on_sigprof;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  struct sigaction before {};
  if (::__sigaction(SIGPROF, &action, &before) != 0) return false;
  if (!g_installed.exchange(true)) {
    g_program_slots[0] = before;
    g_program_action.store(&g_program_slots[0], std::memory_order_release);
  }
  return true;
}

bool program_sigaction(const struct sigaction* action, struct sigaction* old) {
  if (!g_installed.load(std::memory_order_acquire)) return false;
  while (g_program_lock.exchange(true, std::memory_order_acquire)) ::sched_yield();
  const struct sigaction* current = g_program_action.load(std::memory_order_relaxed);
  if (old != nullptr) *old = *current;
  if (action != nullptr) {
    struct sigaction* next = current == &g_program_slots[0] ? &g_program_slots[1] : &g_program_slots[0];
    *next = *action;
    g_program_action.store(next, std::memory_order_release);
  }
  g_program_lock.store(false, std::memory_order_release);
  return true;
}

void begin() { g_recording.store(true, std::memory_order_release); }

void end() {
  g_recording.store(false, std::memory_order_release);
  // A handler that saw recording on finishes its one sample: a few µs.
  while (g_in_handler.load(std::memory_order_acquire) != 0) ::sched_yield();
}

bool start_thread_timer(pid_t tid, unsigned hz, timer_t* out) {
  // The CPU clock of thread `tid` (the kernel's encoding of a per-thread
  // scheduler clock, as pthread_getcpuclockid makes for its own threads).
  const auto clock = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6);
  sigevent event{};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = SIGPROF;
  event.sigev_value.sival_int = kTimerMark;
  event._sigev_un._tid = tid;
  if (::timer_create(clock, &event, out) != 0) return false;
  const long period_ns = 1000000000L / static_cast<long>(hz ? hz : 1);
  itimerspec spec{};
  spec.it_interval.tv_sec = period_ns / 1000000000L;
  spec.it_interval.tv_nsec = period_ns % 1000000000L;
  spec.it_value = spec.it_interval;
  if (::timer_settime(*out, 0, &spec, nullptr) != 0) {
    ::timer_delete(*out);
    return false;
  }
  return true;
}

void stop_thread_timer(timer_t timer) { ::timer_delete(timer); }

pid_t current_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

}  // namespace vigil::sampling
