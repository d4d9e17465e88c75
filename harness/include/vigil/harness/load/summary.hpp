#pragma once
// The human summary of a load run: one line per window, the run overall,
// and the findings.

#include <string>

#include "vigil/harness/load/analysis.hpp"
#include "vigil/harness/load/run_record.hpp"

namespace vigil::harness::load {

std::string format_summary(const RunRecord& run, const Analysis& analysis);

}  // namespace vigil::harness::load
