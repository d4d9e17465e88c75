#include "vigil/profilers/growth.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "vigil/reports/statistics.hpp"

namespace vigil::profilers {
namespace {

// Growth that continues to the end: the series keeps reaching new highs, its
// last one no further from the end than a quarter of the window or twice the
// usual spacing of new highs (a leak seen in coarse steps, such as an arena
// taking a new block every few cycles, still qualifies; a cache that filled
// and stopped does not).
bool keeps_setting_highs(std::span<const double> window) {
  std::vector<double> gaps;
  std::size_t last_high = 0;
  double high = window.front();
  for (std::size_t i = 1; i < window.size(); ++i) {
    if (window[i] > high) {
      gaps.push_back(static_cast<double>(i - last_high));
      last_high = i;
      high = window[i];
    }
  }
  if (gaps.empty()) return false;
  const double allowed = std::max(static_cast<double>(window.size()) / 4, 2 * reports::median(gaps));
  return static_cast<double>(window.size() - 1 - last_high) <= allowed;
}

}  // namespace

double mann_kendall_z(std::span<const double> ys) {
  const std::size_t n = ys.size();
  if (n < 3) return 0;
  double s = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      if (ys[j] > ys[i]) s += 1;
      else if (ys[j] < ys[i]) s -= 1;
    }
  }
  // Variance with the correction for groups of tied values (flat stretches).
  std::map<double, std::size_t> groups;
  for (double y : ys) ++groups[y];
  const auto dn = static_cast<double>(n);
  double variance = dn * (dn - 1) * (2 * dn + 5);
  for (const auto& [value, count] : groups) {
    const auto t = static_cast<double>(count);
    variance -= t * (t - 1) * (2 * t + 5);
  }
  variance /= 18;
  if (variance <= 0) return 0;
  const double sd = std::sqrt(variance);
  if (s > 0) return (s - 1) / sd;
  if (s < 0) return (s + 1) / sd;
  return 0;
}

double theil_sen_slope(std::span<const double> ys) {
  const std::size_t n = ys.size();
  if (n < 2) return 0;
  std::vector<double> slopes;
  slopes.reserve(n * (n - 1) / 2);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      slopes.push_back((ys[j] - ys[i]) / static_cast<double>(j - i));
    }
  }
  return reports::median(slopes);
}

std::size_t judged_window_start(std::size_t n, const GrowthOptions& options) {
  if (n <= options.warmup) return n;
  const std::size_t analysed = n - options.warmup;
  // Judge the later half when it alone has enough points, so that growth
  // confined to the early cycles (caches filling) does not count.
  if (analysed >= 2 * options.min_points) return options.warmup + analysed / 2;
  return options.warmup;
}

GrowthVerdict judge_growth(std::span<const double> ys, const GrowthOptions& options) {
  GrowthVerdict verdict;
  const std::size_t first = judged_window_start(ys.size(), options);
  const std::span<const double> window = ys.subspan(first);
  verdict.fit.first = first;
  verdict.fit.points = window.size();
  if (window.size() < std::max<std::size_t>(options.min_points, 3)) return verdict;
  verdict.judged = true;

  GrowthFit& fit = verdict.fit;
  std::vector<double> xs(window.size());
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<double>(first + i);
  const reports::LinearFit line = reports::fit_line(xs, window);
  fit.slope = line.slope;
  fit.intercept = line.intercept;
  fit.r2 = line.r2;
  fit.growth = window.back() - window.front();

  std::size_t grew = 0;
  for (std::size_t i = 1; i < window.size(); ++i) grew += window[i] > window[i - 1] ? 1 : 0;
  fit.share_growing = static_cast<double>(grew) / static_cast<double>(window.size() - 1);

  fit.grows_to_end = keeps_setting_highs(window);

  // The quadratic statistics only for candidates: most sites of a real
  // program are flat or shrinking and are rejected by the cheap tests above.
  if (fit.grows_to_end && fit.slope > options.min_slope) {
    fit.trend_z = mann_kendall_z(window);
    fit.theil_sen_slope = theil_sen_slope(window);
  }
  verdict.growing = fit.grows_to_end && fit.slope > options.min_slope &&
                    fit.trend_z >= options.min_trend_z && fit.theil_sen_slope > 0;
  return verdict;
}

}  // namespace vigil::profilers
