#include "stack_mapping.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace vigil::sampling {
namespace {

constinit thread_local preload::StackBounds t_stack{};

// Parses a hex number at `p` up to `stop`; advances `p`.
std::uintptr_t parse_hex(const char*& p, const char* end, char stop) {
  std::uintptr_t v = 0;
  for (; p < end && *p != stop; ++p) {
    const char c = *p;
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return 0;
    v = v << 4 | static_cast<std::uintptr_t>(digit);
  }
  if (p < end) ++p;
  return v;
}

}  // namespace

preload::StackBounds mapping_holding(std::uintptr_t address) {
  const int saved_errno = errno;
  preload::StackBounds found{};
  const int fd = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return found;
  char buf[4096];
  std::size_t have = 0;
  bool done = false;
  while (!done) {
    const ssize_t got = ::read(fd, buf + have, sizeof buf - have);
    if (got <= 0) break;
    have += static_cast<std::size_t>(got);
    std::size_t start = 0;
    for (std::size_t i = 0; i < have; ++i) {
      if (buf[i] != '\n') continue;
      // "lo-hi perms ...": the line that holds `address`, when readable.
      const char* p = buf + start;
      const char* end = buf + i;
      const std::uintptr_t lo = parse_hex(p, end, '-');
      const std::uintptr_t hi = parse_hex(p, end, ' ');
      if (address >= lo && address < hi) {
        if (p < end && *p == 'r') found = preload::StackBounds{lo, hi};
        done = true;
        break;
      }
      start = i + 1;
    }
    // Keep the unfinished line; a line longer than the buffer is skipped.
    if (start == 0 && have == sizeof buf) start = have;
    for (std::size_t i = start; i < have; ++i) buf[i - start] = buf[i];
    have -= start;
  }
  ::close(fd);
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
