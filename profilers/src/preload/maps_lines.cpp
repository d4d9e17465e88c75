#include "maps_lines.hpp"

#include <cstring>

namespace vigil::preload {

namespace {

std::uintptr_t parse_hex(const char*& s, const char* end) {
  std::uintptr_t v = 0;
  for (; s < end; ++s) {
    const char c = *s;
    if (c >= '0' && c <= '9') v = v * 16 + static_cast<std::uintptr_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + static_cast<std::uintptr_t>(c - 'a' + 10);
    else break;
  }
  return v;
}

}  // namespace

MapsLine parse_maps_line(const char* s, const char* e) {
  MapsLine line{};
  line.lo = parse_hex(s, e);
  ++s;
  line.hi = parse_hex(s, e);
  ++s;
  line.readable = s < e && s[0] == 'r';
  line.writable = s + 1 < e && s[1] == 'w';
  // Skip perms, offset and dev; then the inode; what follows is the path.
  for (int field = 0; field < 3 && s < e; ++field) {
    while (s < e && *s != ' ') ++s;
    while (s < e && *s == ' ') ++s;
  }
  bool inode_zero = true;
  for (; s < e && *s != ' '; ++s) inode_zero = inode_zero && *s == '0';
  while (s < e && *s == ' ') ++s;
  const std::size_t path_length = static_cast<std::size_t>(e - s);
  line.main_stack = path_length == 7 && std::memcmp(s, "[stack]", 7) == 0;
  line.anonymous = inode_zero && (path_length == 0 || (path_length > 6 && std::memcmp(s, "[anon:", 6) == 0));
  return line;
}

}  // namespace vigil::preload
