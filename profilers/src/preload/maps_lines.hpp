#pragma once
// /proc/self/maps, read line by line without heap or stdio (only open,
// read and close: usable inside malloc and in signal handlers), by the exit
// scan (reachability.cpp) and the CPU sampler (its threads' stacks).

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace vigil::preload {

// One line: "lo-hi perms offset dev inode   path".
struct MapsLine {
  std::uintptr_t lo, hi;  // [lo, hi)
  bool readable, writable;
  bool anonymous;  // no file, no special name: memory the program mapped itself
  bool main_stack;
};

MapsLine parse_maps_line(const char* s, const char* e);

// Calls on_line(MapsLine) for each line, reading through `buf` (a line
// longer than it is dropped), until on_line returns false.
template <typename F>
void for_each_maps_line(char* buf, std::size_t size, F&& on_line) {
  const int fd = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  std::size_t have = 0;
  for (bool more = true; more;) {
    const ssize_t got = ::read(fd, buf + have, size - have);
    if (got <= 0) break;
    have += static_cast<std::size_t>(got);
    std::size_t start = 0;
    for (std::size_t i = 0; i < have && more; ++i) {
      if (buf[i] != '\n') continue;
      more = on_line(parse_maps_line(buf + start, buf + i));
      start = i + 1;
    }
    // Keep the incomplete last line for the next read.
    for (std::size_t i = start; i < have; ++i) buf[i - start] = buf[i];
    have -= start;
    if (have == size) have = 0;  // a line longer than the buffer: drop it
  }
  ::close(fd);
}

}  // namespace vigil::preload
