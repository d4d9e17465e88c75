// A program (not a benchmark) that marks a region with <vigil/count.h>: the
// checksum of N values (argv[1], default 1000), three times.

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <vigil/count.h>

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 1000;
  std::uint64_t total = 0;
  for (int round = 0; round < 3; ++round) {
    VIGIL_COUNT_BEGIN();
    std::uint64_t h = 1469598103934665603ull;
    for (long i = 0; i < n; ++i) h = (h ^ static_cast<std::uint64_t>(i)) * 1099511628211ull;
    total += h;
    VIGIL_COUNT_END("checksum");
  }
  std::printf("%llu\n", static_cast<unsigned long long>(total));
  return 0;
}
