// vigil_alloc_storm [ALLOCS_PER_THREAD] [LEAK_EVERY]: an allocation-heavy
// program for scripts/bench-leak-overhead. Two threads each make
// ALLOCS_PER_THREAD small allocations (16..271 bytes) and free them from a
// ring of 64 live blocks; every LEAK_EVERY-th block is kept instead (a steady
// leak in leak_some(), 64 bytes each). The work is cut into 50 cycles, with
// vigil_cycle() between them.
#include <atomic>
#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "vigil/cycle.h"

namespace {

constexpr int kCycles = 50;
constexpr int kThreads = 2;
constexpr std::size_t kRing = 64;

void* volatile g_sink;
std::atomic<std::size_t> g_leaked{0};

__attribute__((noinline)) void* leak_some() { return std::malloc(64); }

__attribute__((noinline)) void churn(std::size_t allocs, std::size_t leak_every, std::size_t seed,
                                     std::vector<void*>& kept) {
  void* ring[kRing] = {};
  std::size_t x = seed;
  for (std::size_t i = 0; i < allocs; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::size_t slot = i % kRing;
    std::free(ring[slot]);
    ring[slot] = std::malloc(16 + ((x >> 33) & 255));
    if (leak_every != 0 && i % leak_every == leak_every - 1) kept.push_back(leak_some());
  }
  for (void* p : ring) std::free(p);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t per_thread = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  const std::size_t leak_every = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;
  const std::size_t per_cycle = per_thread / kCycles;
  std::barrier sync(kThreads + 1);
  std::vector<std::thread> threads;
  std::vector<std::vector<void*>> kept(kThreads);  // reachable, and growing every cycle
  for (int t = 0; t < kThreads; ++t) {
    kept[t].reserve(per_thread / (leak_every ? leak_every : per_thread) + 1);
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCycles; ++c) {
        churn(per_cycle, leak_every, static_cast<std::size_t>(t * 7919 + c), kept[t]);
        sync.arrive_and_wait();
        sync.arrive_and_wait();
      }
    });
  }
  for (int c = 0; c < kCycles; ++c) {
    sync.arrive_and_wait();
    vigil_cycle();
    sync.arrive_and_wait();
  }
  for (auto& t : threads) t.join();
  std::size_t leaked = 0;
  for (const auto& k : kept) leaked += k.size();
  g_sink = kept.data();
  std::printf("%zu allocations, %zu blocks leaked (%zu bytes)\n", per_thread * kThreads, leaked, leaked * 64);
  return 0;
}
