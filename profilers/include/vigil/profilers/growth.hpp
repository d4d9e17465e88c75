#pragma once
// Growth analysis of one per-cycle series (live bytes, live blocks or live
// threads): is it growing steadily, and how fast?
//
// A series is judged on its later part only (after warm-up, then the last half
// when there are enough cycles), so growth that stops - a bounded cache
// filling, a pool reaching its size - is not a leak. Steady growth needs all of:
//  - a significant upward trend by the Mann-Kendall test (robust to noise and
//    to the size of the steps; ties such as flat stretches count for nothing);
//  - a positive Theil-Sen slope (median of pairwise slopes) over the window;
//  - growth that continues to the end: the series keeps reaching new highs,
//    the last one no further from the end than a quarter of the window or
//    twice the usual spacing of its new highs (coarse steps still count).

#include <cstddef>
#include <span>

namespace vigil::profilers {

struct GrowthOptions {
  std::size_t warmup = 0;        // leading cycles ignored entirely
  double min_trend_z = 3.0;      // Mann-Kendall z needed to call a trend (one-sided p ~ 0.0013)
  double min_slope = 0.0;        // units per cycle a growth must exceed (e.g. bytes)
  std::size_t min_points = 8;    // fewer judged points than this: no verdict
};

// The fit of the judged window of a series.
struct GrowthFit {
  std::size_t first = 0;        // index of the first judged point
  std::size_t points = 0;       // number of judged points
  double slope = 0;             // least-squares slope, units per cycle
  double intercept = 0;
  double r2 = 0;
  double theil_sen_slope = 0;   // median of pairwise slopes
  double trend_z = 0;           // Mann-Kendall z (positive: upward)
  double share_growing = 0;     // share of cycle-to-cycle steps that grew
  double growth = 0;            // last minus first value of the window
  bool grows_to_end = false;    // kept reaching new highs up to the end
};

struct GrowthVerdict {
  bool judged = false;   // false when the series is too short after warm-up
  bool growing = false;  // steady growth: a leak
  GrowthFit fit;
};

// Mann-Kendall trend statistic z of `ys` (equally spaced), tie-corrected and
// continuity-corrected; 0 when undefined (fewer than 3 points, all equal).
double mann_kendall_z(std::span<const double> ys);

// Median of the slopes (ys[j] - ys[i]) / (j - i) over all pairs i < j; 0 when
// fewer than 2 points.
double theil_sen_slope(std::span<const double> ys);

// The judged window of a series of `n` points: [first, n).
std::size_t judged_window_start(std::size_t n, const GrowthOptions& options);

// Judges a series of one value per cycle (index = cycle).
GrowthVerdict judge_growth(std::span<const double> ys, const GrowthOptions& options = {});

}  // namespace vigil::profilers
