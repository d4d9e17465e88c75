// A program whose CPU time splits 70/30 between two functions, by the work
// each does (the same loop, 7 units against 3), on one thread or several:
//   vigil_profile_split [--threads N] [--cpu-seconds S]
// Each of the N threads runs until it has used S / N seconds of CPU time
// (S default 2).
#include <pthread.h>
#include <time.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

volatile std::uint64_t g_sink;

// The same loop written out in each function (a macro, not a call or an
// inlined function: the time is the function's own, self and total). A
// round's unit varies from round to round (a random length), as real work
// does: a strictly periodic loop would be sampled at the same few phases
// by the kernel's timer ticks, as by any periodic sampler.
#define UNITS_OF_WORK(units, length, x)                                          \
  for (std::uint64_t i = 0; i < (units) * (length); ++i) {                      \
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;                     \
    asm volatile("" : "+r"(x));                                                  \
  }

__attribute__((noinline)) void seventy_percent(std::uint64_t& x, std::uint64_t length) { UNITS_OF_WORK(7, length, x) }

__attribute__((noinline)) void thirty_percent(std::uint64_t& x, std::uint64_t length) { UNITS_OF_WORK(3, length, x) }

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double g_cpu_seconds = 2;
int g_threads = 1;

// Each thread its part of the CPU time.
void* work(void*) {
  std::uint64_t x = reinterpret_cast<std::uintptr_t>(&x);
  std::uint64_t random = reinterpret_cast<std::uintptr_t>(&x) | 1;
  while (thread_cpu_seconds() < g_cpu_seconds / g_threads) {
    random ^= random << 13, random ^= random >> 7, random ^= random << 17;  // xorshift64
    const std::uint64_t length = 2000 + random % 38000;
    seventy_percent(x, length);
    thirty_percent(x, length);
  }
  g_sink = x;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  int& threads = g_threads;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--cpu-seconds") == 0) g_cpu_seconds = std::atof(argv[i + 1]);
  }
  if (threads < 1) threads = 1;
  if (threads == 1) {
    work(nullptr);
    return 0;
  }
  std::vector<pthread_t> ids(static_cast<std::size_t>(threads));
  for (auto& id : ids) ::pthread_create(&id, nullptr, work, nullptr);
  for (auto& id : ids) ::pthread_join(id, nullptr);
  return 0;
}
