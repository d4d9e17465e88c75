#pragma once
// Growth judgement of one per-cycle series (live bytes, live blocks or live
// threads of a site or of the whole run): does it grow the way a leak grows,
// and in what shape?
//
// The series is judged after its warm-up cycles (a doubling too short to tell
// there is judged again from the first cycle: a window holds only log2 of its
// length's ratio of doublings), with three views side by side:
//  - held growth: the end of the series stays above its start (noise and
//    sawtooth fall back; a leak does not give back what it took);
//  - trend: a significant upward Mann-Kendall trend, with the Theil-Sen
//    slope and its confidence interval as the size of the growth;
//  - steps (growth_steps.hpp): the rises of the running high, their sizes and
//    spacing, and whether the series is still rising at the pace it kept.
// Leaks grow steadily, in steps (chunks), or by doubling; growth that stops
// (caches filling, warm-up, a one-off step), slows to a crawl (slots taken at
// random) or falls back (sawtooth) is not a leak; too few rises to tell is
// said so. site_growth.hpp judges a site's bytes and blocks with this.

#include <cstddef>
#include <span>

#include "vigil/profilers/growth_steps.hpp"

namespace vigil::profilers {

struct GrowthOptions {
  std::size_t warmup = 0;         // leading cycles ignored entirely
  double min_trend_z = 3.0;       // Mann-Kendall z needed to call a trend (one-sided p ~ 0.0013)
  double min_slope = 0.0;         // units per cycle a growth must exceed (e.g. bytes)
  std::size_t min_points = 8;     // fewer judged points than this: no verdict
  std::size_t min_rises = 3;      // rises needed before growth in steps is called a leak (or 2 alike)
  std::size_t few_rises = 6;      // fewer rises than this must keep one pace, and must not be slight
  double max_pace_spread = 2.5;   // fastest over slowest pace of few rises still called one pace
  double slight_share = 0.01;     // growth under this share of the run's live bytes (or under max_drift
                                  // of the site's own) is slight
  double overdue = 2.0;           // a quiet end longer than this many expected waits: growth stopped,
  double min_quiet_share = 0.1;   // if that quiet end is also this share of the window (else: a pause)
  double slowdown = 1.5;          // recent pace this many times below the earlier one...
  double slowing_z = -2.5;        // ... and a falling trend of the rises' paces this strong: levelling off
  double max_drift = 0.5;         // bounded blocks growing by less than this share of their size: drift
};

// What a series' growth looks like. The last three are leaks.
enum class GrowthShape {
  Flat,      // no growth that holds (flat, shrinking, noise)
  Sawtooth,  // rises and falls back to its early lows
  Stopped,   // grew, then stopped rising (a cache filled, warm-up ended, a one-off step)
  Slowing,   // rises ever more slowly (a pool reaching its peak, a cache nearly full)
  Drift,     // a bounded number of blocks whose sizes creep up (site judgement only)
  Slight,    // a few rises too small against the site's or the run's memory to tell (site only)
  TooShort,  // too few rises, few at uneven paces, or a short pause at the end: too short to tell
  Steady,    // grows every cycle or nearly
  Steps,     // grows in steps of similar size every few cycles (chunked arenas, pools)
  Doubling,  // steps that double in size and in spacing (containers doubling their capacity)
};

const char* to_string(GrowthShape shape);
bool is_leak(GrowthShape shape);

// The fit and evidence of the judged window of a series.
struct GrowthFit {
  std::size_t first = 0;         // index of the first judged point
  std::size_t points = 0;        // number of judged points
  double slope = 0;              // least-squares slope, units per cycle
  double intercept = 0;
  double r2 = 0;
  double theil_sen_slope = 0;    // median of pairwise slopes
  double theil_sen_low = 0;      // its 95% confidence interval
  double theil_sen_high = 0;
  double trend_z = 0;            // Mann-Kendall z (positive: upward)
  double share_growing = 0;      // share of cycle-to-cycle steps that grew
  double growth = 0;             // last minus first value of the window
  double start = 0;              // first value of the window
  double end = 0;                // last value of the window
  double held_growth = 0;        // lowest of the last eighth minus highest of the first eighth
  bool grows_to_end = false;     // still rising at its pace at the end of the window
};

struct GrowthVerdict {
  bool judged = false;   // false when the series is too short after warm-up
  bool growing = false;  // grows the way a leak grows (is_leak(shape))
  GrowthShape shape = GrowthShape::Flat;
  GrowthFit fit;
  StepView steps;        // filled once the series holds a significant growth
};

// Mann-Kendall trend statistic z of `ys` (equally spaced), tie-corrected and
// continuity-corrected; 0 when undefined (fewer than 3 points, all equal).
double mann_kendall_z(std::span<const double> ys);

// Median of the slopes (ys[j] - ys[i]) / (j - i) over all pairs i < j; 0 when
// fewer than 2 points.
double theil_sen_slope(std::span<const double> ys);

// The Theil-Sen slope with its two-sided confidence interval at normal
// quantile `z` (Sen 1968, with the tie-corrected Mann-Kendall variance).
struct SenSlope {
  double slope = 0, low = 0, high = 0;
};
SenSlope theil_sen_interval(std::span<const double> ys, double z = 1.96);

// The judged window of a series of `n` points: [first, n), after the warm-up.
std::size_t judged_window_start(std::size_t n, const GrowthOptions& options);

// Judges a series of one value per cycle (index = cycle).
GrowthVerdict judge_growth(std::span<const double> ys, const GrowthOptions& options = {});

}  // namespace vigil::profilers
