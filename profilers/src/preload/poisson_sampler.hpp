#pragma once
// Sampling allocations by bytes, as tcmalloc's Sampler does.
//
// The maths. Every allocated byte is picked independently with probability
// p = 1/mean, so the distance from one picked byte to the next is geometric
// with mean `mean`; for the byte counts at stake it is drawn from its
// continuous limit, the exponential distribution: d = -ln(U) * mean with U
// uniform in (0, 1]. A countdown holds the bytes left before the next picked
// byte; an allocation is sampled when the countdown runs out inside it, and
// the next distance is drawn from there (the process is memoryless, so
// nothing is lost by starting afresh at each sample).
// An allocation of s bytes contains at least one picked byte with
// probability P(s) = 1 - exp(-s / mean). Each sampled allocation therefore
// stands for 1/P(s) allocations like it: weighted s / P(s) bytes and 1/P(s)
// blocks, the sums of weights are unbiased estimates of the bytes and blocks
// allocated (the Horvitz-Thompson estimator: E[sum] = sum of P(s) * s/P(s)).
// Large allocations (s >> mean) are always sampled, at their own size;
// small ones rarely, at a large weight.
//
// The hot path is one subtraction and a branch. The zero state is valid
// (constinit thread-local storage): the first call takes the slow path,
// which seeds the generator and draws the first distance.

#include <cstddef>
#include <cstdint>

namespace vigil::preload {

class PoissonSampler {
 public:
  // What a sampled allocation stands for; blocks = 0: not sampled after all
  // (the first draw put the next picked byte past this allocation).
  struct Weight {
    std::uint64_t bytes = 0, blocks = 0;
  };

  // True when an allocation of `size` bytes is not sampled (most calls when
  // sampling). The countdown is only refilled by sample(), so a sampler that
  // never samples (exact mode tracks everything) answers false for ever;
  // the subtraction wraps rather than overflows (that takes 2^63 bytes).
  bool skips(std::size_t size) {
    countdown_ = static_cast<std::int64_t>(static_cast<std::uint64_t>(countdown_) - size);
    return countdown_ > 0;
  }

  // For an allocation skips() did not skip, with `mean` bytes between
  // samples: its weight, after drawing the distance to the next sample.
  Weight sample(std::size_t size, std::uint64_t mean);

  // The distance to the next picked byte, drawn now: -ln(U) * mean, at least 1.
  std::int64_t draw_distance(std::uint64_t mean);
  // Seeds the generator (xorshift64*); 0 is replaced by a fixed odd constant.
  void seed(std::uint64_t seed);
  bool seeded() const { return rng_ != 0; }

 private:
  double uniform();  // in (0, 1)

  std::int64_t countdown_ = 0;  // bytes before the next picked byte
  std::uint64_t rng_ = 0;
  bool primed_ = false;  // the first distance has been drawn
};

}  // namespace vigil::preload
