#pragma once
// One frame of a stack as reports show it (a finding's stack, a profile's).

#include <cstdint>
#include <string>

namespace vigil::reports {

struct Frame {
  std::string function;
  std::string file;
  int line = 0;  // 0 when unknown
  std::string module;
  std::uint64_t offset = 0;  // offset in module, when file/line are unknown
  bool inlined = false;      // an inlined call inside the next frame (written only when true)
};

}  // namespace vigil::reports
