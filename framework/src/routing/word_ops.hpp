#pragma once
// Word-at-a-time helpers shared by the router's lookup tables and the route
// cache: unaligned loads, a cheap strong mix, and equality of byte ranges
// without a memcmp call (the ranges are short: paths and their segments).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vigil::framework {

static_assert(std::endian::native == std::endian::little,
              "word-at-a-time code assumes little-endian byte order");

inline std::uint64_t load_word(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

inline std::uint32_t load_half(const char* p) {
  std::uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// One 64x64->128 multiply, folded: every input bit reaches the high bits.
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

// Are [a, a+len) and [b, b+len) equal? Whole words, the last one
// overlapping, or two overlapping halves: never a read outside either range.
inline bool same_bytes(const char* a, const char* b, std::size_t len) {
  if (len >= 8) {
    for (std::size_t i = 0; i + 8 < len; i += 8) {
      if (load_word(a + i) != load_word(b + i)) return false;
    }
    return load_word(a + len - 8) == load_word(b + len - 8);
  }
  if (len >= 4) return load_half(a) == load_half(b) && load_half(a + len - 4) == load_half(b + len - 4);
  for (std::size_t i = 0; i < len; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace vigil::framework
