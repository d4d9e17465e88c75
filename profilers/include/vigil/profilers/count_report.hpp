#pragma once
// vigil-count's results as a vigil.report/1 report and as a terminal summary.
// Metrics, per iteration, better lower: count.<benchmark>.instructions,
// .data_reads, .data_writes, .l1_misses, .ll_misses, .estimated_cycles; the
// instructions of each benchmark broken down by function ("breakdowns").

#include <string>
#include <vector>

#include "vigil/profilers/benchmark_count.hpp"
#include "vigil/profilers/region_count.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::profilers {

// One counted stretch of code: a benchmark's iteration, or a region.
struct CountedCode {
  std::string name;
  EventCounts counts;  // per iteration (or per execution of a region)
  std::vector<FunctionShare> functions;
};

// Adds the metrics (and breakdowns) of `code` to `report`.
void add_count_metrics(reports::Report& report, const CountedCode& code);

reports::Report count_report(const CountOptions& options, const CountResult& result);

// Regions: the same metrics per execution, count.<region>.*.
reports::Report region_report(const RegionOptions& options, const RegionResult& result);

// A table, one line per benchmark (or region), and the `top_functions`
// largest functions of each (0: none).
std::string format_count_summary(const CountResult& result, std::size_t top_functions);
std::string format_region_summary(const RegionResult& result, std::size_t top_functions);

}  // namespace vigil::profilers
