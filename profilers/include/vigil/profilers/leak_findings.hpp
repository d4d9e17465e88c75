#pragma once
// The report of a leak analysis: metrics, series and findings, each growth
// finding saying its shape and the evidence for it.

#include <cstddef>
#include <string>

#include "vigil/profilers/leak_analysis.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::profilers {

// Adds the leak-test metrics, series and findings of `analysis` to `report`:
//  - a "leak" error per growing site: its shape ("steady", "steps",
//    "doubling"), bytes and blocks per cycle, stack, fit and evidence;
//  - a "leak" warning per site the run was too short to judge, with the
//    cycles a run needs to tell;
//  - a "thread-leak" error when live threads grow, with the stack of the
//    growing site whose blocks grow at the same pace (what starts them);
//  - a "leak" error per site with unreachable blocks at exit; an "info"
//    finding per site still reachable at exit that did not grow;
//  - a "leak" warning when the total grows and no site explains it.
// Metric names are stable: leak.bytes_per_cycle, leak.blocks_per_cycle,
// leak.growing_sites, leak.threads_growth, leak.threads_final,
// leak.live_bytes_final, leak.live_blocks_final, leak.total_bytes_slope,
// leak.unreachable_bytes, leak.unreachable_blocks, leak.reachable_bytes,
// leak.reachable_blocks (the last four only when there was an exit scan).
void add_leak_results(reports::Report& report, const LeakSeries& series,
                      const LeakAnalysis& analysis, const StackOf& stack_of,
                      std::size_t max_info_findings = 10);

// How a site grows, in words: "steadily", "in steps", "by doubling".
std::string growth_manner(const SiteGrowth& growth);

// The evidence of a site's growth in one line, e.g. "5 steps, each ~2.0x the
// last, the last 23 cycles before the end; 1 block reallocated larger;
// Theil-Sen 2.1 KiB/cycle (95% CI 1.0 KiB to 3.2 KiB), Mann-Kendall z 9.1;
// live 8.0 KiB in 1 block at cycle 5, 128.0 KiB in 1 block at the end".
std::string growth_evidence(const SiteGrowth& growth);

// A byte count for people: "512 B", "3.1 KiB", "1.2 MiB".
std::string human_bytes(double bytes);

}  // namespace vigil::profilers
