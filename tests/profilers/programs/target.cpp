// The program the profilers tests run under libvigil_preload.so. Each mode
// allocates from functions with known names; the tests read the capture and
// check the counts and the names. Usage: vigil_profilers_target MODE [ARG].
#include <dirent.h>
#include <dlfcn.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "vigil/cycle.h"

extern "C" int nofp_outer(void (*callback)(void*), void* arg);  // vigil_profilers_nofp

namespace {

// Globals keep blocks reachable and stop the compiler from eliding them.
void* volatile g_keep[64];
std::vector<void*> g_cache;
void* volatile g_kept_by_worker[4][50];

#define NOINLINE __attribute__((noinline))

// Zeroes the dead part of the stack so that no stale pointer left by a
// finished call makes an unreachable block look reachable to the scan.
NOINLINE void scrub_stack() {
  volatile char buffer[64 * 1024];
  std::memset(const_cast<char*>(buffer), 0, sizeof buffer);
}

// Waits (up to 2 s) until /proc/self/task lists `n` threads. A joined
// thread leaves it a moment after join() returns: the kernel wakes the
// joiner before it removes the task, so a census taken at once may count it.
void wait_for_task_count(int n) {
  for (int tries = 0; tries < 2000; ++tries) {
    DIR* dir = opendir("/proc/self/task");
    if (dir == nullptr) return;
    int count = 0;
    while (const dirent* d = readdir(dir)) count += d->d_name[0] != '.' ? 1 : 0;
    closedir(dir);
    if (count <= n) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// --- threads: 4 workers, 100 blocks of 64 bytes each, half freed.
NOINLINE void* thread_worker_alloc() { return std::malloc(64); }

int run_threads() {
  constexpr int kThreads = 4, kBlocks = 100;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &ready, &go] {
      for (int i = 0; i < kBlocks; ++i) {
        void* p = thread_worker_alloc();
        if (i % 2 == 0) g_kept_by_worker[t][i / 2] = p;
        else std::free(p);
      }
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  }
  while (ready.load() < kThreads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  vigil_cycle();  // all workers alive: the census must see 5 threads
  go.store(true);
  for (auto& th : threads) th.join();
  wait_for_task_count(1);
  vigil_cycle();  // the census must see the main thread alone
  return 0;
}

// --- many-threads: 3 waves of 12 threads, more than the tracker has
// counter stripes (some threads share one, later waves reuse the stripes of
// ended threads). Each thread allocates 50 blocks of 32 bytes, frees 25 and
// keeps 25; from the second wave on, each also frees 10 blocks kept by a
// thread of the wave before (blocks freed by another thread).
constexpr int kWaves = 3, kWaveThreads = 12, kWaveBlocks = 50;
void* volatile g_kept_by_wave[kWaves][kWaveThreads][kWaveBlocks / 2];

NOINLINE void* many_threads_alloc() { return std::malloc(32); }

int run_many_threads() {
  for (int wave = 0; wave < kWaves; ++wave) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kWaveThreads; ++t) {
      threads.emplace_back([wave, t] {
        void* mine[kWaveBlocks];
        for (auto& p : mine) p = many_threads_alloc();
        for (int i = 0; i < kWaveBlocks / 2; ++i) std::free(mine[i]);
        for (int i = 0; i < kWaveBlocks / 2; ++i) g_kept_by_wave[wave][t][i] = mine[kWaveBlocks / 2 + i];
        if (wave == 0) return;
        for (int i = 0; i < 10; ++i) {
          std::free(g_kept_by_wave[wave - 1][t][i]);
          g_kept_by_wave[wave - 1][t][i] = nullptr;
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  vigil_cycle();
  return 0;
}

// --- fork: the child allocates a lot and must not appear anywhere.
NOINLINE void* parent_alloc() { return std::malloc(300); }
NOINLINE void* child_alloc() { return std::malloc(777); }

int run_fork() {
  g_keep[0] = parent_alloc();
  const pid_t pid = fork();
  if (pid == 0) {
    for (int i = 0; i < 50; ++i) g_keep[1] = child_alloc();
    std::exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  g_keep[2] = parent_alloc();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 3;
}

// --- dlopen: a library loaded at run time allocates.
int run_dlopen(const char* path) {
  void* lib = dlopen(path, RTLD_NOW);
  if (!lib) {
    std::fprintf(stderr, "dlopen: %s\n", dlerror());
    return 4;
  }
  auto fn = reinterpret_cast<void* (*)(std::size_t)>(dlsym(lib, "plugin_allocate"));
  if (!fn) return 5;
  fn(4096);
  vigil_cycle();
  return 0;
}

// --- families: every entry point, from its own function.
NOINLINE void use_calloc() { g_keep[0] = std::calloc(10, 100); }
NOINLINE void use_realloc() {
  void* p = std::malloc(10);
  for (std::size_t n = 20; n <= 2560; n *= 2) p = std::realloc(p, n);  // ends at 2560 bytes
  g_keep[1] = p;
}
NOINLINE void use_reallocarray() { g_keep[2] = reallocarray(nullptr, 30, 10); }
NOINLINE void use_posix_memalign() {
  void* p = nullptr;
  if (posix_memalign(&p, 64, 640) == 0) g_keep[3] = p;
}
NOINLINE void use_aligned_alloc() { g_keep[4] = aligned_alloc(128, 1280); }
NOINLINE void use_memalign() { g_keep[5] = memalign(256, 2560); }
NOINLINE void use_valloc() { g_keep[6] = valloc(100); }
NOINLINE void use_pvalloc() { g_keep[7] = pvalloc(100); }
NOINLINE void use_new_array() { g_keep[8] = new char[333]; }
NOINLINE void use_aligned_new() { g_keep[9] = ::operator new(444, std::align_val_t(64)); }
NOINLINE void use_and_free() {
  for (int i = 0; i < 10; ++i) {
    void* volatile p = std::malloc(50);
    std::free(p);
  }
  delete[] static_cast<char*>(g_keep[8]);
  g_keep[8] = nullptr;
}

int run_families() {
  use_calloc();
  use_realloc();
  use_reallocarray();
  use_posix_memalign();
  use_aligned_alloc();
  use_memalign();
  use_valloc();
  use_pvalloc();
  use_new_array();
  use_aligned_new();
  use_and_free();
  if (malloc_usable_size(g_keep[0]) < 1000) return 6;
  vigil_cycle();
  return 0;
}

// --- leaks: one block lost, one kept by a global, one kept through a chain.
NOINLINE void leak_unreachable() {
  void* volatile p = std::malloc(1000);
  std::memset(p, 0, 1000);
  p = nullptr;
}
NOINLINE void keep_reachable() { g_keep[10] = std::malloc(2000); }
NOINLINE void keep_chained() {
  // global -> block A -> block B: B is reachable through a heap block.
  void** a = static_cast<void**>(std::malloc(sizeof(void*) * 4));
  a[0] = std::malloc(3000);
  g_keep[11] = a;
}

// Held only from memory the program mapped itself, as an interpreter's
// object arenas hold its objects' buffers.
NOINLINE void keep_in_mapped_memory() {
  void* region = mmap(nullptr, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) std::abort();
  static_cast<void**>(region)[1000] = std::malloc(777);
}

int run_leaks() {
  leak_unreachable();
  keep_reachable();
  keep_chained();
  keep_in_mapped_memory();
  scrub_stack();
  return 0;
}

// --- no-frame-pointers: an allocation whose stack crosses code built
// without frame pointers, called while rbp holds garbage.
NOINLINE void allocate_behind_nofp(void*) { g_keep[12] = std::malloc(4242); }
NOINLINE int run_no_frame_pointers() {
  nofp_outer(allocate_behind_nofp, nullptr);
  return 0;
}

// --- cycles: a cache that grows one 512-byte entry per cycle.
NOINLINE void grow_cache() { g_cache.push_back(std::malloc(512)); }

int run_cycles(int n) {
  g_cache.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    grow_cache();
    vigil_cycle();
  }
  return 0;
}

// --- timer: never calls vigil_cycle; the timer thread takes snapshots.
int run_timer(int ms) {
  for (int i = 0; i < ms / 10; ++i) {
    g_keep[i % 64] = std::malloc(128);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string mode = argv[1];
  const char* arg = argc > 2 ? argv[2] : "";
  if (mode == "threads") return run_threads();
  if (mode == "many-threads") return run_many_threads();
  if (mode == "fork") return run_fork();
  if (mode == "dlopen") return run_dlopen(arg);
  if (mode == "families") return run_families();
  if (mode == "leaks") return run_leaks();
  if (mode == "no-frame-pointers") return run_no_frame_pointers();
  if (mode == "cycles") return run_cycles(std::atoi(arg));
  if (mode == "timer") return run_timer(std::atoi(arg));
  if (mode == "exit3") return 3;
  if (mode == "exit-from-thread") {
    // exit() from a worker while main waits: the exit report still runs.
    keep_reachable();
    leak_unreachable();
    scrub_stack();
    std::thread worker([] { std::exit(0); });
    worker.join();
    return 8;
  }
  if (mode == "abort") std::abort();
  if (mode == "exec") {
    // Allocate, then become a new image of this program: "cycles 2".
    g_keep[0] = std::malloc(100);
    vigil_cycle();
    execl("/proc/self/exe", argv[0], "cycles", "2", static_cast<char*>(nullptr));
    return 7;
  }
  return 2;
}
