#pragma once
// vigil-bench takes `--defect NAME` (repeatable) and `--list-defects` like
// every tool that runs the core; benchmarks build their core objects from
// these options (the defects applied), so a defect's cost shows up in a
// benchmark diff.

#include "vigil/framework/pipeline/app.hpp"

namespace vigil::bench {

const framework::AppOptions& core_options();

}  // namespace vigil::bench
