#include "vigil/profilers/event_counts.hpp"

namespace vigil::profilers {

namespace {
constexpr std::array<std::string_view, kEventCount> kNames = {"Ir",   "Dr",   "Dw",   "I1mr", "D1mr",
                                                              "D1mw", "ILmr", "DLmr", "DLmw"};
}  // namespace

std::string_view event_name(Event e) { return kNames[static_cast<std::size_t>(e)]; }

std::optional<Event> parse_event_name(std::string_view name) {
  for (std::size_t i = 0; i < kEventCount; ++i) {
    if (kNames[i] == name) return static_cast<Event>(i);
  }
  return std::nullopt;
}

EventCounts& EventCounts::operator+=(const EventCounts& o) {
  for (std::size_t i = 0; i < kEventCount; ++i) values[i] += o.values[i];
  return *this;
}

EventCounts& EventCounts::operator-=(const EventCounts& o) {
  for (std::size_t i = 0; i < kEventCount; ++i) values[i] -= o.values[i];
  return *this;
}

EventCounts& EventCounts::operator/=(double divisor) {
  for (auto& v : values) v /= divisor;
  return *this;
}

double EventCounts::l1_misses() const {
  return (*this)[Event::I1mr] + (*this)[Event::D1mr] + (*this)[Event::D1mw];
}

double EventCounts::ll_misses() const {
  return (*this)[Event::ILmr] + (*this)[Event::DLmr] + (*this)[Event::DLmw];
}

double EventCounts::estimated_cycles() const {
  const double accesses = (*this)[Event::Ir] + (*this)[Event::Dr] + (*this)[Event::Dw];
  const double l1_hits = accesses - l1_misses();
  const double ll_hits = l1_misses() - ll_misses();
  return l1_hits + 5 * ll_hits + 35 * ll_misses();
}

}  // namespace vigil::profilers
