#pragma once
// `vigil-report merge`: the reports of several vigil-load processes (on one
// machine or many) as one run. Windows are aligned by their wall-clock start
// (to the nearest window) and only the windows every generator covered are
// kept; counts add, latency histograms merge exactly, each generator's
// saturation keeps its worst. Server figures sampled from the same server by
// several generators are averaged; from different servers, added. The sum is
// then judged as one run, with the first report's thresholds and SLOs.

#include <ostream>
#include <string>
#include <vector>

#include "vigil/harness/load/run_record.hpp"

namespace vigil::harness::load {

// Throws reports::ReportError when the runs cannot be merged (different
// window lengths, no window in common).
RunRecord merge_records(const std::vector<RunRecord>& runs);

// The subcommand: reads `files`, writes the merged report to `json_out`
// (when given), prints a summary; exit code 0, 1 (a finding) or 2 (bad input).
int run_merge(const std::vector<std::string>& files, const std::string& json_out, std::ostream& out,
              std::ostream& err);

}  // namespace vigil::harness::load
