// What real programs do that can break a malloc interposer, one mode each;
// the profilers tests run them under libvigil_preload.so and check that
// they behave as without it. Usage: vigil_profilers_hazards MODE.
// Exit 0 when the program saw what it should; anything else names what went
// wrong (stderr) or hangs, which the tests bound with a time limit.
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <malloc.h>

#include "vigil/cycle.h"

extern "C" void* early_blocks[8];  // vigil_profilers_early: allocated before the tracker started
extern "C" void early_stop_thread();

namespace {

#define NOINLINE __attribute__((noinline))

void* volatile g_keep[16];

int fail(const char* what) {
  std::fprintf(stderr, "hazards: %s\n", what);
  return 1;
}

// Waits for `pid` at most `seconds`; false when it did not exit 0 in time
// (then it is killed).
bool child_exits_cleanly(pid_t pid, int seconds) {
  for (int i = 0; i < seconds * 100; ++i) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    usleep(10000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return false;
}

// A thread that allocates and frees without pause, so that at any moment
// it may hold one of the tracker's locks.
struct Churn {
  std::atomic<bool> stop{false};
  std::thread thread;
  Churn() {
    thread = std::thread([this] {
      void* ring[64] = {};
      for (std::size_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        std::free(ring[i % 64]);
        ring[i % 64] = std::malloc(16 + i % 200);
      }
      for (void* p : ring) std::free(p);
    });
  }
  ~Churn() {
    stop = true;
    thread.join();
  }
};

// --- clone: a child made by a raw clone() system call — no fork(), so no
// pthread_atfork handlers — while another thread churns. The child
// allocates, frees, asks for a snapshot and exits through exit(): it must
// neither hang on a lock the churning thread held at the copy, nor write
// into its parent's capture.
NOINLINE void child_of_clone_allocates() {
  for (int i = 0; i < 2000; ++i) {
    void* p = std::malloc(32 + i % 500);
    if (i % 3 == 0) std::free(p);
    else g_keep[i % 16] = p;
  }
}

int run_clone() {
  Churn churn;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (int round = 0; round < 20; ++round) {
    const long pid = syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) return fail("clone failed");
    if (pid == 0) {
      child_of_clone_allocates();
      vigil_cycle();
      std::exit(0);
    }
    if (!child_exits_cleanly(static_cast<pid_t>(pid), 20)) return fail("a clone child hung or failed");
  }
  return 0;
}

// --- vfork: the child shares the parent's memory until it execs or exits,
// and allocates there (as shells do before exec). It leaves through
// _exit(), or — wrongly but commonly — through exit(), which runs the exit
// handlers in the shared memory and uses them up for the parent too:
// tracking must go on in the parent all the same.
NOINLINE void parent_after_vfork() { g_keep[0] = std::malloc(4321); }

int run_vfork(bool child_calls_exit) {
  const pid_t pid = vfork();
  if (pid < 0) return fail("vfork failed");
  if (pid == 0) {
    void* p = std::malloc(100);
    std::free(p);
    if (child_calls_exit) std::exit(0);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  parent_after_vfork();
  vigil_cycle();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : fail("the vfork child failed");
}

// --- signals: a timer interrupts a thread that keeps allocating and
// asking for snapshots; the handler allocates, resizes, frees blocks the
// thread made, and asks for snapshots itself — wherever the thread was,
// the tracker's own code included (holding a lock of its block map, or
// writing a snapshot). For the program to be sound without the preload
// too, the thread never holds a lock of glibc's allocator when a signal
// can come: its blocks of 24 bytes come from and go back to its
// thread-local cache of freed chunks (tcache: at most 7 per size, no
// lock), and the handler uses other sizes, whose cache entries are apart.
constexpr int kHandoff = 60000;
void* g_handoff[kHandoff];  // 200-byte blocks, made before the timer starts
std::atomic<int> g_handled{0};

void on_alarm(int) {
  const int n = g_handled.fetch_add(1);
  if (n < kHandoff) std::free(g_handoff[n]);
  void* q = std::malloc(1000);
  q = std::realloc(q, 2000);
  std::free(q);
  if (n % 16 == 0) vigil_cycle();
}

int run_signals() {
  for (auto& p : g_handoff) p = std::malloc(200);
  void* batch[4];
  for (auto& p : batch) p = std::malloc(24);
  for (auto& p : batch) std::free(p);
  struct sigaction action {};
  action.sa_handler = on_alarm;
  action.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &action, nullptr);
  itimerval every{{0, 200}, {0, 200}};
  setitimer(ITIMER_REAL, &every, nullptr);
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  for (std::size_t i = 0; std::chrono::steady_clock::now() < end; ++i) {
    for (auto& p : batch) p = std::malloc(24);
    for (auto& p : batch) std::free(p);
    if (i % 256 == 0) vigil_cycle();
  }
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  const int handled = g_handled.load();
  for (int i = handled; i < kHandoff; ++i) std::free(g_handoff[i]);
  return handled > 100 ? 0 : fail("too few signals arrived to test anything");
}

// --- single-thread: a program that checks it is single-threaded (as
// chromium's zygote does before it forks) after allocating for a while.
int count_threads() {
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return -1;
  int n = 0;
  while (dirent* e = readdir(dir))
    if (e->d_name[0] != '.') ++n;
  closedir(dir);
  return n;
}

int run_single_thread() {
  for (int i = 0; i < 30; ++i) {
    g_keep[i % 16] = std::malloc(64);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return count_threads() == 1 ? 0 : fail("more than one thread in a single-threaded program");
}

// --- thread-exit: threads that allocate until they end, some of them ending
// while main calls exit(), and thread_local destructors that free and
// allocate after the thread's other keys are gone.
struct ThreadEndWork {
  void* block = nullptr;
  ~ThreadEndWork() {
    std::free(block);
    g_keep[3] = std::malloc(24);  // allocates during thread teardown
  }
};
thread_local ThreadEndWork t_end_work;

int run_thread_exit() {
  static std::atomic<bool> go{true};
  for (int wave = 0; wave < 20; ++wave) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([] {
        t_end_work.block = std::malloc(100);
        for (int i = 0; i < 500; ++i) std::free(std::malloc(16 + i));
      });
    for (auto& th : threads) th.join();
  }
  // Still allocating, never joined: exit() runs while they are mid-allocation.
  for (int t = 0; t < 4; ++t)
    std::thread([] {
      while (go.load(std::memory_order_relaxed)) std::free(std::malloc(40));
    }).detach();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::exit(0);
}

// --- early: blocks allocated before the tracker started (by a library's
// constructor) are resized and freed after it started, while a thread the
// library started then keeps allocating.
int run_early() {
  for (int i = 0; i < 8; ++i) {
    if (malloc_usable_size(early_blocks[i]) < (i == 0 ? 1000u : 100u + i)) return fail("an early block is short");
    early_blocks[i] = std::realloc(early_blocks[i], 2000);
    if (!early_blocks[i]) return fail("realloc of an early block failed");
  }
  for (void*& p : early_blocks) {
    std::free(p);
    p = nullptr;
  }
  early_stop_thread();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string mode = argv[1];
  if (mode == "clone") return run_clone();
  if (mode == "vfork") return run_vfork(false);
  if (mode == "vfork-exit") return run_vfork(true);
  if (mode == "signals") return run_signals();
  if (mode == "single-thread") return run_single_thread();
  if (mode == "thread-exit") return run_thread_exit();
  if (mode == "early") return run_early();
  return 2;
}
