#include "poisson_sampler.hpp"

#include <cmath>

namespace vigil::preload {

void PoissonSampler::seed(std::uint64_t seed) { rng_ = seed != 0 ? seed : 0x9E3779B97F4A7C15ULL; }

double PoissonSampler::uniform() {
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  const std::uint64_t r = rng_ * 0x2545F4914F6CDD1DULL;
  return (static_cast<double>(r >> 11) + 0.5) * 0x1.0p-53;
}

std::int64_t PoissonSampler::draw_distance(std::uint64_t mean) {
  return static_cast<std::int64_t>(-std::log(uniform()) * static_cast<double>(mean)) + 1;
}

PoissonSampler::Weight PoissonSampler::sample(std::size_t size, std::uint64_t mean) {
  if (!seeded()) seed(0);
  if (!primed_) {
    // The first distance counts from the first allocation's start, which
    // skips() has already taken off the countdown.
    primed_ = true;
    countdown_ += draw_distance(mean);
    if (countdown_ > 0) return Weight{};
  }
  countdown_ = draw_distance(mean);
  double p = -std::expm1(-static_cast<double>(size) / static_cast<double>(mean));
  if (p < 1e-9) p = 1e-9;
  Weight w;
  w.bytes = static_cast<std::uint64_t>(static_cast<double>(size) / p + 0.5);
  const double blocks = 1.0 / p + 0.5;
  w.blocks = blocks > 4e9 ? 4000000000ULL : static_cast<std::uint64_t>(blocks);
  return w;
}

}  // namespace vigil::preload
