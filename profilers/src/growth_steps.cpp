#include "vigil/profilers/growth_steps.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "vigil/profilers/growth.hpp"
#include "vigil/reports/statistics.hpp"

namespace vigil::profilers {
namespace {

// The last few rises tell how the quantum of growth changes (a vector's
// steps double, an arena's chunks stay the same).
constexpr std::size_t kRecentRises = 5;

// Robust scale of the cycle-to-cycle changes around their typical change
// (1.4826 x MAD: the standard deviation for normal noise). 0 for series that
// move in clean steps or by the same amount every cycle, so that every rise
// counts; cycle-to-cycle noise (timer snapshots, sampling) must be cleared.
double jitter_of(std::span<const double> ys) {
  if (ys.size() < 3) return 0;
  std::vector<double> changes(ys.size() - 1);
  for (std::size_t i = 0; i + 1 < ys.size(); ++i) changes[i] = ys[i + 1] - ys[i];
  const double typical = reports::median(changes);
  for (double& c : changes) c = std::abs(c - typical);
  return 1.4826 * reports::median(changes);
}

// Median of values[i] / values[i - 1] over the last kRecentRises pairs from
// index `from` on; 1 when there is no pair.
double recent_ratio(const std::vector<double>& values, std::size_t from) {
  std::vector<double> ratios;
  const std::size_t start = std::max(from + 1, values.size() > kRecentRises ? values.size() - kRecentRises : 1);
  for (std::size_t i = start; i < values.size(); ++i) {
    if (values[i - 1] > 0) ratios.push_back(values[i] / values[i - 1]);
  }
  return ratios.empty() ? 1.0 : reports::median(ratios);
}

// Growth per cycle of the rises [first, last): their sizes over their spacings.
double pace_of(const std::vector<double>& sizes, const std::vector<double>& spacings, std::size_t first,
               std::size_t last) {
  double grown = 0, cycles = 0;
  for (std::size_t i = first; i < last; ++i) {
    grown += sizes[i];
    cycles += spacings[i];
  }
  return cycles > 0 ? grown / cycles : 0;
}

// Rule: where rises are sparse, rises in consecutive cycles are one step
// that snapshots fell in the middle of (several connections' buffers
// doubling one after another within a cycle or three, a burst across a
// cycle's end): such a run counts as one rise, at its last cycle, so that its
// size and pace are the step's. Rises are sparse when their runs are short
// (kMaxSplitStep cycles at most) and fewer than a quarter of the cycles; a
// longer run is growth cycle after cycle (steady), and then every rise is
// its own.
constexpr std::size_t kMaxSplitStep = 4;

void merge_split_steps(std::vector<Rise>& rises, std::size_t cycles) {
  std::vector<Rise> merged;
  std::size_t run = 0;  // length of the run the last merged rise closes
  for (const Rise& r : rises) {
    if (!merged.empty() && r.at == merged.back().at + 1) {
      merged.back().at = r.at;
      merged.back().size += r.size;
      if (++run > kMaxSplitStep) return;
    } else {
      merged.push_back(r);
      run = 1;
    }
  }
  if (merged.size() == rises.size() || 4 * merged.size() >= cycles) return;
  rises = std::move(merged);
}

}  // namespace

StepView step_view(std::span<const double> series) {
  StepView view;
  if (series.empty()) return view;
  view.jitter = jitter_of(series);

  // Rises of the high: a new high counts once it clears the last counted one
  // by more than the jitter, so that slow growth under the noise still adds
  // up to rises while noise alone makes few.
  double high = series[0];
  for (std::size_t t = 1; t < series.size(); ++t) {
    if (series[t] > high + view.jitter) {
      view.rises.push_back({t, series[t] - high});
      high = series[t];
    }
  }
  if (view.rises.empty()) {
    view.quiet = series.size() - 1;
    return view;
  }
  merge_split_steps(view.rises, series.size());

  const std::size_t k = view.rises.size();
  std::vector<double> sizes(k), spacings(k);
  for (std::size_t i = 0; i < k; ++i) {
    sizes[i] = view.rises[i].size;
    // The first spacing is from the start of the series: a lower bound of
    // the true one (the series may have started mid-step).
    spacings[i] = static_cast<double>(view.rises[i].at - (i == 0 ? 0 : view.rises[i - 1].at));
  }
  view.quiet = series.size() - 1 - view.rises.back().at;
  view.spacing = k == 1 ? spacings[0] : reports::median(std::span<const double>(spacings).subspan(1));
  view.size_ratio = std::clamp(recent_ratio(sizes, 0), 0.25, 4.0);
  view.spacing_ratio = std::clamp(recent_ratio(spacings, 1), 0.25, 4.0);

  // The next rise is expected within the longest spacing seen, stretched as
  // the spacings stretch: doubling steps wait twice as long, chunks as long,
  // bursty or randomly timed rises as long as their longest lull. (The first
  // spacing, from the start of the series, only when alone.)
  const double longest = k == 1 ? spacings[0] : *std::max_element(spacings.begin() + 1, spacings.end());
  view.expected_wait = std::max(1.0, view.spacing_ratio) * longest;

  if (k >= 3) {
    double fastest = 0, slowest = std::numeric_limits<double>::infinity();
    for (std::size_t i = 1; i < k; ++i) {
      fastest = std::max(fastest, sizes[i] / spacings[i]);
      slowest = std::min(slowest, sizes[i] / spacings[i]);
    }
    view.pace_spread = fastest / slowest;
  }
  if (k >= 6) {
    const std::size_t third = k / 3;
    view.recent_pace = pace_of(sizes, spacings, k - third, k);
    view.earlier_pace = pace_of(sizes, spacings, k - 2 * third, k - third);
    std::vector<double> paces;  // the first rise's spacing is a lower bound: left out
    for (std::size_t i = 1; i < k; ++i) paces.push_back(sizes[i] / spacings[i]);
    view.pace_trend_z = mann_kendall_z(paces);
  }
  return view;
}

}  // namespace vigil::profilers
