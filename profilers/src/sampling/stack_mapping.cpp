#include "stack_mapping.hpp"

#include <cerrno>

#include "maps_lines.hpp"

namespace vigil::sampling {
namespace {

constinit thread_local preload::StackBounds t_stack{};

}  // namespace

preload::StackBounds mapping_holding(std::uintptr_t address) {
  const int saved_errno = errno;
  preload::StackBounds found{};
  char buf[4096];  // on the signal's stack: handlers on several threads at once
  preload::for_each_maps_line(buf, sizeof buf, [&](const preload::MapsLine& line) {
    if (address < line.lo || address >= line.hi) return true;
    if (line.readable) found = preload::StackBounds{line.lo, line.hi};
    return false;
  });
  errno = saved_errno;
  return found;
}

preload::StackBounds thread_stack_around(std::uintptr_t sp) {
  preload::StackBounds& known = t_stack;
  if (known.hi != 0 && sp >= known.lo && sp < known.hi) return known;
  const preload::StackBounds found = mapping_holding(sp);
  if (found.hi != 0) known = found;
  return found;
}

}  // namespace vigil::sampling
