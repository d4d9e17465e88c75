#pragma once
// vigil-bench takes `--defect NAME` (repeatable) and `--list-defects` like
// every tool that runs the core; benchmarks build their core objects with
// this set, so a defect's cost shows up in a benchmark diff.

#include "vigil/framework/defects.hpp"

namespace vigil::bench {

const framework::DefectSet& active_defects();

}  // namespace vigil::bench
