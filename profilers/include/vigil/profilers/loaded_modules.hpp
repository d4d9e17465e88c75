#pragma once
// The module map of the calling process (dl_iterate_phdr), in the form a
// capture holds it: what the symbolizer needs to read this process's own
// addresses (in-process profiling).

#include <vector>

#include "vigil/profilers/capture.hpp"

namespace vigil::profilers {

std::vector<Module> loaded_modules();

}  // namespace vigil::profilers
