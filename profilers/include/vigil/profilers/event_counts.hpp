#pragma once
// The events Valgrind's cache simulation counts (callgrind/cachegrind with
// --cache-sim=yes), and the cycle estimate derived from them.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace vigil::profilers {

enum class Event : std::size_t {
  Ir,    // instructions executed
  Dr,    // data reads
  Dw,    // data writes
  I1mr,  // first-level instruction cache misses
  D1mr,  // first-level data cache read misses
  D1mw,  // first-level data cache write misses
  ILmr,  // last-level cache misses of instruction fetches
  DLmr,  // last-level cache misses of data reads
  DLmw,  // last-level cache misses of data writes
};
inline constexpr std::size_t kEventCount = 9;

// Valgrind's name of an event ("Ir", "D1mr", ...), and back.
std::string_view event_name(Event e);
std::optional<Event> parse_event_name(std::string_view name);

struct EventCounts {
  std::array<double, kEventCount> values{};

  double& operator[](Event e) { return values[static_cast<std::size_t>(e)]; }
  double operator[](Event e) const { return values[static_cast<std::size_t>(e)]; }

  EventCounts& operator+=(const EventCounts& o);
  EventCounts& operator-=(const EventCounts& o);
  EventCounts& operator/=(double divisor);
  friend EventCounts operator-(EventCounts a, const EventCounts& b) { return a -= b; }
  friend EventCounts operator/(EventCounts a, double d) { return a /= d; }
  friend bool operator==(const EventCounts&, const EventCounts&) = default;

  double l1_misses() const;  // I1mr + D1mr + D1mw
  double ll_misses() const;  // ILmr + DLmr + DLmw
  // Itamar Turner-Trauring's estimate (pythonspeed.com, "CI for performance:
  // Reliable benchmarking in noisy environments"; also iai and iai-callgrind):
  // an access that hits L1 costs 1 cycle, one served by the last-level cache
  // 5, one that goes to memory 35:
  //   (Ir + Dr + Dw - L1 misses) + 5 (L1 misses - LL misses) + 35 LL misses.
  double estimated_cycles() const;
};

}  // namespace vigil::profilers
