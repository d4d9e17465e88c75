#pragma once
// Leak analysis of a run's snapshot series: which allocation sites grow the
// way leaks grow (site_growth.hpp), whether the live threads grow (a thread
// leak), and what was left at exit (unreachable: leaked; still reachable:
// info unless it grew). Pure analysis: the caller turns a capture into
// LeakSeries; leak_findings.hpp turns the analysis into report findings.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vigil/profilers/capture.hpp"
#include "vigil/profilers/growth.hpp"
#include "vigil/profilers/site_growth.hpp"
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

// A site judged to leak (or that the run was too short to judge).
struct SiteGrowth {
  std::uint64_t site = 0;
  GrowthFit bytes;              // fit of live bytes: slope = bytes per cycle
  double blocks_per_cycle = 0;  // least-squares slope of live blocks over the same window
  double live_bytes_final = 0;
  double live_blocks_final = 0;
  double live_bytes_start = 0;  // at the first judged cycle
  double live_blocks_start = 0;
  SiteJudgement judgement;      // shape and the evidence behind it
  std::size_t cycles_needed = 0;  // too short to tell: cycles a run needs to tell
};

struct LeakAnalysis {
  GrowthVerdict total_bytes;
  SiteJudgement total;  // the run's live bytes and blocks judged as one site
  GrowthVerdict threads;
  std::vector<SiteGrowth> growing_sites;    // leaks, largest bytes per cycle first
  std::vector<SiteGrowth> undecided_sites;  // too short to tell, largest growth first
  double unreachable_bytes = 0, unreachable_blocks = 0;
  double reachable_bytes = 0, reachable_blocks = 0;
};

LeakAnalysis analyse_leaks(const LeakSeries& series, const GrowthOptions& options);

// The symbolized stack of a site, innermost (allocating) frame first.
using StackOf = std::function<std::vector<reports::Frame>(std::uint64_t site)>;

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

// The allocating line worth naming: the first frame of the user's own code
// (the innermost frame when every frame is system code).
std::string describe_allocating_frame(const std::vector<reports::Frame>& stack);

// One line naming a stack's allocating function, e.g. "leaky_loop (leak.cpp:12)";
// " (inlined)" when the call was inlined into the next frame.
std::string describe_frame(const reports::Frame& frame);

// Frames of code the user did not write: the standard library's templates
// (files under /usr/include, /usr/lib/gcc), the C runtime and loader (libc,
// libstdc++, ld-linux) and every library the distribution installed (under
// /lib, /usr/lib; not /usr/local). Findings name the first frame that is not.
bool in_system_code(const reports::Frame& frame);

}  // namespace vigil::profilers
