#include "vigil/profilers/growth.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "vigil/reports/statistics.hpp"

namespace vigil::profilers {
namespace {

// Mann-Kendall S and its variance, corrected for groups of tied values (the
// flat stretches between steps).
struct KendallS {
  double s = 0;
  double variance = 0;
};

KendallS kendall_s(std::span<const double> ys) {
  KendallS k;
  const std::size_t n = ys.size();
  for (std::size_t i = 0; i + 1 < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      if (ys[j] > ys[i]) k.s += 1;
      else if (ys[j] < ys[i]) k.s -= 1;
    }
  }
  std::map<double, std::size_t> groups;
  for (double y : ys) ++groups[y];
  const auto dn = static_cast<double>(n);
  k.variance = dn * (dn - 1) * (2 * dn + 5);
  for (const auto& [value, count] : groups) {
    const auto t = static_cast<double>(count);
    k.variance -= t * (t - 1) * (2 * t + 5);
  }
  k.variance /= 18;
  return k;
}

std::vector<double> pairwise_slopes(std::span<const double> ys) {
  std::vector<double> slopes;
  const std::size_t n = ys.size();
  slopes.reserve(n * (n - 1) / 2);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) slopes.push_back((ys[j] - ys[i]) / static_cast<double>(j - i));
  }
  return slopes;
}

// The value at 1-based rank `rank` of sorted `xs`, interpolated between ranks.
double at_rank(const std::vector<double>& xs, double rank) {
  const double r = std::clamp(rank, 1.0, static_cast<double>(xs.size())) - 1;
  const auto below = static_cast<std::size_t>(std::floor(r));
  const std::size_t above = std::min(below + 1, xs.size() - 1);
  return xs[below] + (r - static_cast<double>(below)) * (xs[above] - xs[below]);
}

// The highest value of the first eighth of the window against the lowest of
// the last eighth: growth that the series holds, whatever the noise or the
// teeth of a sawtooth in between.
double held_growth(std::span<const double> window) {
  const std::size_t q = std::max<std::size_t>(1, window.size() / 8);
  const double early_high = *std::max_element(window.begin(), window.begin() + static_cast<std::ptrdiff_t>(q));
  const double late_low = *std::min_element(window.end() - static_cast<std::ptrdiff_t>(q), window.end());
  return late_low - early_high;
}

// Having risen past the middle of its range, the series comes back, in its
// second half, to within a tenth of the range of its early low (the lowest of
// the first quarter): a buffer filled and released, not memory kept. A leak
// never gives back what it took.
bool falls_back(std::span<const double> window) {
  const std::size_t quarter = std::max<std::size_t>(1, window.size() / 4);
  const double early_low = *std::min_element(window.begin(), window.begin() + static_cast<std::ptrdiff_t>(quarter));
  const double range = *std::max_element(window.begin(), window.end()) - early_low;
  if (range <= 0) return false;
  bool risen = false;
  for (std::size_t t = 0; t < window.size(); ++t) {
    risen = risen || window[t] >= early_low + 0.5 * range;
    if (risen && 2 * t >= window.size() && window[t] <= early_low + 0.1 * range) return true;
  }
  return false;
}

// Two rises of the same size (within 1.5x) that the window shows as a
// regular beat: no longer without a rise before the first than 1.5 times
// their spacing, and less than their spacing since the second. A chunked
// arena seen taking its second chunk looks so; a one-off step does not.
bool alike_pair(const StepView& steps) {
  if (steps.rises.size() != 2) return false;
  const Rise& a = steps.rises[0];
  const Rise& b = steps.rises[1];
  const double spacing = static_cast<double>(b.at - a.at);
  return std::max(a.size, b.size) <= 1.5 * std::min(a.size, b.size) &&
         static_cast<double>(a.at) <= 1.5 * spacing && static_cast<double>(steps.quiet) < spacing;
}

// The shape of a growth judged a leak, from its rises.
GrowthShape leak_shape(const StepView& steps) {
  // Rises that grow in size and spacing alike: a container doubling its capacity.
  if (steps.size_ratio >= 1.5 && steps.spacing_ratio >= 1.3) return GrowthShape::Doubling;
  // A rise every cycle or two: steady growth.
  if (steps.spacing <= 2) return GrowthShape::Steady;
  return GrowthShape::Steps;
}

}  // namespace

const char* to_string(GrowthShape shape) {
  switch (shape) {
    case GrowthShape::Flat: return "flat";
    case GrowthShape::Sawtooth: return "sawtooth";
    case GrowthShape::Stopped: return "stopped";
    case GrowthShape::Slowing: return "slowing";
    case GrowthShape::Drift: return "drift";
    case GrowthShape::Slight: return "slight";
    case GrowthShape::TooShort: return "too-short";
    case GrowthShape::Steady: return "steady";
    case GrowthShape::Steps: return "steps";
    case GrowthShape::Doubling: return "doubling";
  }
  return "?";
}

bool is_leak(GrowthShape shape) {
  return shape == GrowthShape::Steady || shape == GrowthShape::Steps || shape == GrowthShape::Doubling;
}

double mann_kendall_z(std::span<const double> ys) {
  if (ys.size() < 3) return 0;
  const KendallS k = kendall_s(ys);
  if (k.variance <= 0) return 0;
  const double sd = std::sqrt(k.variance);
  if (k.s > 0) return (k.s - 1) / sd;
  if (k.s < 0) return (k.s + 1) / sd;
  return 0;
}

double theil_sen_slope(std::span<const double> ys) {
  if (ys.size() < 2) return 0;
  return reports::median(pairwise_slopes(ys));
}

SenSlope theil_sen_interval(std::span<const double> ys, double z) {
  SenSlope sen;
  if (ys.size() < 2) return sen;
  std::vector<double> slopes = pairwise_slopes(ys);
  std::sort(slopes.begin(), slopes.end());
  const auto n = static_cast<double>(slopes.size());
  sen.slope = at_rank(slopes, (n + 1) / 2);
  // Ranks (N - C) / 2 and (N + C) / 2 + 1 of the ordered slopes, C = z sqrt(Var S).
  const double c = z * std::sqrt(std::max(kendall_s(ys).variance, 0.0));
  sen.low = at_rank(slopes, (n - c) / 2);
  sen.high = at_rank(slopes, (n + c) / 2 + 1);
  return sen;
}

std::size_t judged_window_start(std::size_t n, const GrowthOptions& options) {
  return std::min(n, options.warmup);
}

namespace {

// Rule: a container that doubles under a steady leak doubles at cycles
// t0 x 2^k, so a window from cycle w to cycle n holds log2(n / w) of its rises
// whatever the rate: 2.8 for 5 warm-up cycles of 35, too few to tell. A window
// too short to tell is judged again from the first cycle on (the first
// cycle's start-up still left out), and a doubling at one pace since then is
// a leak: one process that the warm-up cut short, not a start-up step. Only
// a doubling: other shapes gain rises in proportion to the window, and the
// warm-up keeps start-up out of them.
GrowthVerdict judged_from_the_start(std::span<const double> ys, const GrowthOptions& options,
                                    const GrowthVerdict& window) {
  GrowthOptions from_start = options;
  from_start.warmup = 1;
  GrowthVerdict whole = judge_growth(ys, from_start);
  return whole.shape == GrowthShape::Doubling ? whole : window;
}

}  // namespace

GrowthVerdict judge_growth(std::span<const double> ys, const GrowthOptions& options) {
  GrowthVerdict verdict;
  const std::size_t first = judged_window_start(ys.size(), options);
  const std::span<const double> window = ys.subspan(first);
  GrowthFit& fit = verdict.fit;
  fit.first = first;
  fit.points = window.size();
  if (window.size() < std::max<std::size_t>(options.min_points, 3)) return verdict;
  verdict.judged = true;

  std::vector<double> xs(window.size());
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<double>(first + i);
  const reports::LinearFit line = reports::fit_line(xs, window);
  fit.slope = line.slope;
  fit.intercept = line.intercept;
  fit.r2 = line.r2;
  fit.start = window.front();
  fit.end = window.back();
  fit.growth = fit.end - fit.start;
  std::size_t grew = 0;
  for (std::size_t i = 1; i < window.size(); ++i) grew += window[i] > window[i - 1] ? 1 : 0;
  fit.share_growing = static_cast<double>(grew) / static_cast<double>(window.size() - 1);
  fit.held_growth = held_growth(window);

  // Rule: the end must stay above the start, and fast enough to matter; a
  // series that does not hold its growth is flat, noisy or a sawtooth.
  const bool comes_back = falls_back(window);
  if (fit.held_growth <= 0 || fit.slope <= options.min_slope || comes_back) {
    verdict.shape = comes_back ? GrowthShape::Sawtooth : GrowthShape::Flat;
    return verdict;
  }

  // Rule: the rise must be a significant trend, not a few lucky highs.
  // (The quadratic statistics run only here: most sites of a real program
  // are flat or shrinking and are rejected by the cheap tests above.)
  fit.trend_z = mann_kendall_z(window);
  const SenSlope sen = theil_sen_interval(window);
  fit.theil_sen_slope = sen.slope;
  fit.theil_sen_low = sen.low;
  fit.theil_sen_high = sen.high;
  if (fit.trend_z < options.min_trend_z) return verdict;

  verdict.steps = step_view(window);
  const StepView& steps = verdict.steps;
  // Rule: a leak is still rising at the end: the quiet stretch since the last
  // rise is no longer than the pace of the rises so far says the next takes.
  fit.grows_to_end = static_cast<double>(steps.quiet) <= options.overdue * std::max(steps.expected_wait, 1.0);
  if (!fit.grows_to_end) {
    // Rule: ... and a quiet end too short to be a tenth of the run may be a
    // lull between bursts: too short to tell stopped from paused.
    const bool long_quiet = static_cast<double>(steps.quiet) >= options.min_quiet_share * static_cast<double>(window.size());
    verdict.shape = long_quiet ? GrowthShape::Stopped : GrowthShape::TooShort;
  } else if (steps.earlier_pace > 0 && steps.recent_pace * options.slowdown < steps.earlier_pace &&
             steps.pace_trend_z <= options.slowing_z) {
    // Rule: a leak keeps the pace the work sets; a pace that falls, rise
    // after rise, is something filling up (slots taken at random, records of
    // a burst size, a cache near full).
    verdict.shape = GrowthShape::Slowing;
  } else if ((steps.rises.size() < options.min_rises && !alike_pair(steps)) ||
             (steps.jitter == 0 && steps.rises.size() < options.few_rises &&
              steps.pace_spread > options.max_pace_spread)) {
    // Rule: a rise or two cannot tell a one-off step from a leak that grows
    // once every so many cycles (but for a pair of alike chunks on
    // schedule); nor can a few rises at uneven paces tell a leak from the
    // records of a bounded workload (a longer message, a bigger burst, each
    // rarer than the last). Leaks that grow by quanta keep one pace: equal
    // chunks at equal spacing, or doublings twice as far apart. (Rises of a
    // noisy series are where the noise let the trend through: their paces
    // say nothing.) Say so, do not judge.
    verdict.shape = GrowthShape::TooShort;
  } else {
    verdict.shape = leak_shape(steps);
  }
  verdict.growing = is_leak(verdict.shape);
  if (verdict.shape == GrowthShape::TooShort && first > 1) return judged_from_the_start(ys, options, verdict);
  return verdict;
}

}  // namespace vigil::profilers
