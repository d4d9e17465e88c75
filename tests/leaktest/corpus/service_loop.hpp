#pragma once
// What every corpus program shares: the request loop of a service. A program
// is run as `PROGRAM [CYCLES [REQUESTS_PER_CYCLE]]`; it serves requests one by
// one, with ids that count up from 1 as real request ids do, and calls
// vigil_cycle() after each cycle of requests (a no-op outside vigil-leak-test).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "vigil/cycle.h"

namespace corpus {

// A small deterministic generator (PCG-style LCG with an xorshift output),
// so that every run of a program sees the same traffic.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed * 2 + 1) {}
  std::uint64_t next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    std::uint64_t x = state_;
    x ^= x >> 33;
    return x * 0xff51afd7ed558ccdULL ^ (x >> 29);
  }
  // Uniform in [0, n); 0 when n is 0.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

 private:
  std::uint64_t state_;
};

struct RunShape {
  int cycles;
  int requests_per_cycle;
};

// Serves `shape.cycles` x `shape.requests_per_cycle` requests through
// `handle(request_id)`, request ids counting from 1; returns main's exit code.
template <typename Handler>
int serve(int argc, char** argv, RunShape shape, Handler&& handle) {
  if (argc > 1) shape.cycles = std::atoi(argv[1]);
  if (argc > 2) shape.requests_per_cycle = std::atoi(argv[2]);
  if (argc > 3 || shape.cycles <= 0 || shape.requests_per_cycle <= 0) {
    std::fprintf(stderr, "usage: %s [CYCLES [REQUESTS_PER_CYCLE]]\n", argv[0]);
    return 2;
  }
  std::uint64_t id = 0;
  for (int c = 0; c < shape.cycles; ++c) {
    for (int r = 0; r < shape.requests_per_cycle; ++r) handle(++id);
    vigil_cycle();
  }
  return 0;
}

}  // namespace corpus
