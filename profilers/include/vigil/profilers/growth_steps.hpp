#pragma once
// The step view of a per-cycle series: when its running high rose, by how
// much, and whether the quiet stretch at the end is longer than the pace of
// those rises says the next one should take.
//
// Memory rarely grows by the same amount every cycle: a vector doubles its
// buffer (rises that double in size and in spacing), an arena takes a chunk
// every few cycles, a cache grows until full. Whatever the quantum, a leak
// keeps a pace set by the work done, the same every cycle: the size of each
// rise over the cycles it took stays about constant. Growth that is ending
// loses that pace, or stops rising at all. Where rises are sparse, a short
// run of them in consecutive cycles is one step that snapshots split, and
// counts as one.

#include <cstddef>
#include <span>
#include <vector>

namespace vigil::profilers {

// One rise of a series' running high.
struct Rise {
  std::size_t at = 0;  // index in the series
  double size = 0;     // how far above the previous high
};

struct StepView {
  std::vector<Rise> rises;
  double jitter = 0;          // cycle-to-cycle noise; a new high must clear it to count as a rise
  std::size_t quiet = 0;      // cycles from the last rise (or the start, with none) to the end
  double spacing = 0;         // median cycles between rises (from the start of the series when one)
  double size_ratio = 1;      // median size of a rise over the one before (2 when doubling)
  double spacing_ratio = 1;   // median spacing over the spacing before
  double expected_wait = 0;   // cycles the next rise may take: the longest spacing seen, stretched
  double recent_pace = 0;     // growth per cycle over the last third of the rises
  double earlier_pace = 0;    // ... over the third before (0 with fewer than 6 rises)
  double pace_trend_z = 0;    // Mann-Kendall z of each rise's own pace, in order (negative: slowing)
  double pace_spread = 1;     // fastest over slowest pace of a rise (the first left out)
};

// The step view of `series` (already cut to the judged window).
StepView step_view(std::span<const double> series);

}  // namespace vigil::profilers
