#pragma once
// Leak analysis of a run's snapshot series: which allocation sites grow
// steadily (leaks), whether the live threads grow (a thread leak), and what
// was left at exit (unreachable: leaked; still reachable: info unless it grew).
// Pure analysis: the caller turns a capture into LeakSeries and supplies the
// symbolized stack of each site; the output is report findings and metrics.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vigil/profilers/capture.hpp"
#include "vigil/profilers/growth.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::profilers {

// One allocation site's values, one per snapshot (0 where the site had nothing live).
struct SiteSeries {
  std::uint64_t site = 0;
  std::vector<double> live_bytes;
  std::vector<double> live_blocks;
};

struct LeakSeries {
  std::vector<double> total_live_bytes;   // one per snapshot
  std::vector<double> total_live_blocks;
  std::vector<double> threads;
  std::vector<SiteSeries> sites;
  std::optional<std::vector<ExitSite>> exit;  // absent when the target never exited cleanly
};

// A site judged to grow steadily.
struct SiteGrowth {
  std::uint64_t site = 0;
  GrowthFit bytes;
  double blocks_per_cycle = 0;  // least-squares slope of live blocks over the same window
  double live_bytes_final = 0;
  double live_blocks_final = 0;
};

struct LeakAnalysis {
  GrowthVerdict total_bytes;
  GrowthVerdict threads;
  std::vector<SiteGrowth> growing_sites;  // largest bytes per cycle first
  double unreachable_bytes = 0, unreachable_blocks = 0;
  double reachable_bytes = 0, reachable_blocks = 0;
};

LeakAnalysis analyse_leaks(const LeakSeries& series, const GrowthOptions& options);

// The symbolized stack of a site, innermost (allocating) frame first.
using StackOf = std::function<std::vector<reports::Frame>(std::uint64_t site)>;

// Adds the leak-test metrics, series and findings of `analysis` to `report`:
//  - a "leak" error per growing site (bytes and blocks per cycle, stack, fit);
//  - a "thread-leak" error when live threads grow steadily, with the stack of
//    the growing site whose blocks grow at the same pace (what starts them);
//  - a "leak" error per site with unreachable blocks at exit; an "info"
//    finding per site still reachable at exit that did not grow;
//  - a "leak" warning when the total grows steadily and no site explains it.
// Metric names are stable: leak.bytes_per_cycle, leak.blocks_per_cycle,
// leak.growing_sites, leak.threads_growth, leak.threads_final,
// leak.live_bytes_final, leak.live_blocks_final, leak.total_bytes_slope,
// leak.unreachable_bytes, leak.unreachable_blocks, leak.reachable_bytes,
// leak.reachable_blocks (the last four only when there was an exit scan).
void add_leak_results(reports::Report& report, const LeakSeries& series,
                      const LeakAnalysis& analysis, const StackOf& stack_of,
                      std::size_t max_info_findings = 10);

// The per-cycle series of a capture: its vigil_cycle() snapshots when the
// program made any, else its timer snapshots; never the exit snapshot (taken
// after the program's own teardown). `used` receives the snapshots chosen.
LeakSeries leak_series_from_capture(const Capture& capture,
                                    std::vector<const Snapshot*>* used = nullptr);

// Live bytes per stack in the folded format flame-graph tools read: one line
// per stack, "root;...;allocating_function bytes", largest first; stacks with
// the same frames are merged. `stack_of` gives frames innermost first.
std::string folded_stacks(const Snapshot& snapshot, const StackOf& stack_of);

// Moves to "still reachable" the unreachable blocks that the C runtime keeps
// where no conservative scan can see them: glibc keeps the TLS block of an
// exited thread in its cache of thread stacks (mmap'ed, not a root), and a
// parked thread's own TLS is referenced only from its thread descriptor.
// Returns the number of sites reclassified.
std::size_t reclassify_runtime_internals(LeakSeries& series, const StackOf& stack_of);

// One line naming a stack's allocating function, e.g. "leaky_loop (leak.cpp:12)";
// " (inlined)" when the call was inlined into the next frame.
std::string describe_frame(const reports::Frame& frame);

// Frames of code the user did not write: the standard library's templates
// (files under /usr/include, /usr/lib/gcc), the C runtime and loader (libc,
// libstdc++, ld-linux) and every library the distribution installed (under
// /lib, /usr/lib; not /usr/local). Findings name the first frame that is not.
bool in_system_code(const reports::Frame& frame);

}  // namespace vigil::profilers
