#pragma once
// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and the same sequence on every platform, so a
// seed names one workload everywhere.

#include <cstdint>

namespace vigil::harness {

inline constexpr std::uint64_t kSplitMixIncrement = 0x9e3779b97f4a7c15ULL;

// One SplitMix64 output for state `x`: a bijection of 64-bit values, well
// mixed (also usable on its own, to scatter a counter).
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += kSplitMixIncrement;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    const std::uint64_t out = splitmix64(state_);
    state_ += kSplitMixIncrement;
    return out;
  }
  // Uniform in [0, n).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

}  // namespace vigil::harness
