#pragma once
// A sampled CPU profile as reports hold it: whole stacks with their sample
// counts, symbolized, so that flame graphs, folded stacks, pprof files and
// differentials are all drawn from the one record (written under "profiles"
// in the report envelope, optional).

#include <cstdint>
#include <string>
#include <vector>

#include "vigil/reports/frame.hpp"

namespace vigil::reports {

struct ProfileStack {
  // Outermost call first (main ... the function that was running). Frames
  // are reports::Frame: function, file, line, module, inlined.
  std::vector<Frame> frames;
  std::uint64_t samples = 0;
};

struct Profile {
  std::string unit = "samples";  // what a stack's count counts
  double period_seconds = 0;     // CPU time one sample stands for (1 / hz)
  std::uint64_t threads = 0;     // threads that were sampled at least once
  std::vector<ProfileStack> stacks;
};

}  // namespace vigil::reports
