#include "vigil/harness/load/pacer.hpp"

#include <cmath>
#include <ctime>

namespace vigil::harness::load {

Nanos monotonic_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Pacer Pacer::constant_rate(double rate, std::uint32_t connection, std::uint32_t connections, Nanos start) {
  Pacer p;
  // Connections are staggered by one rate step, so that together they send
  // at an even pace rather than in bursts of `connections`.
  p.interval_ns_ = 1e9 * static_cast<double>(connections) / rate;
  p.first_ns_ = static_cast<double>(start) + 1e9 * static_cast<double>(connection) / rate;
  return p;
}

Nanos Pacer::next_due() const {
  // From the start each time, not by adding up intervals: no drift.
  return static_cast<Nanos>(std::llround(first_ns_ + interval_ns_ * static_cast<double>(next_)));
}

Nanos Pacer::take(Nanos now) {
  if (!paced()) return now;
  const Nanos due = next_due();
  ++next_;
  return due;
}

}  // namespace vigil::harness::load
