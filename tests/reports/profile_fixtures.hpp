#pragma once
// Synthetic profiles: stacks built from "a;b;c" strings, and a small server
// profile with file:line, modules and an inlined frame.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/reports/profile.hpp"

namespace vigil::reports::test {

// "main;serve;parse" -> frames main, serve, parse (outermost first).
inline ProfileStack stack_of(std::string_view folded, std::uint64_t samples) {
  ProfileStack s;
  s.samples = samples;
  std::size_t start = 0;
  while (start <= folded.size()) {
    const auto end = std::min(folded.find(';', start), folded.size());
    Frame f;
    f.function = std::string(folded.substr(start, end - start));
    s.frames.push_back(std::move(f));
    start = end + 1;
  }
  return s;
}

inline Profile profile_of(const std::vector<std::pair<std::string, std::uint64_t>>& stacks) {
  Profile p;
  p.period_seconds = 1.0 / 99;
  p.threads = 1;
  for (const auto& [folded, n] : stacks) p.stacks.push_back(stack_of(folded, n));
  return p;
}

inline Profile server_profile() {
  Profile p;
  p.period_seconds = 1.0 / 99;
  p.threads = 2;
  const Frame main{"main", "server.cpp", 10, "/usr/bin/vigil-server", 0x1200};
  const Frame serve{"vigil::Server::serve()", "server.cpp", 88, "/usr/bin/vigil-server", 0x2400};
  const Frame parse{"vigil::http::parse(std::string_view)", "parser.cpp", 120, "/usr/bin/vigil-server", 0x3300};
  const Frame header{"vigil::http::header_value<char>", "parser.hpp", 31, "/usr/bin/vigil-server", 0x3300, true};
  const Frame route{"vigil::Router::match(std::string_view) const", "router.cpp", 57, "/usr/bin/vigil-server", 0x4100};
  const Frame memcpy_frame{"__memmove_avx_unaligned_erms", "", 0, "/usr/lib/x86_64-linux-gnu/libc.so.6", 0x19a0c0};
  p.stacks.push_back({{main, serve, parse, header}, 40});
  p.stacks.push_back({{main, serve, parse}, 25});
  p.stacks.push_back({{main, serve, route}, 30});
  p.stacks.push_back({{main, serve, route, memcpy_frame}, 5});
  return p;
}

}  // namespace vigil::reports::test
