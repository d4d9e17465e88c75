#include "vigil/reports/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vigil::reports {

double mean(std::span<const double> xs) {
  if (xs.empty()) return 0;
  return std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
}

double stddev(std::span<const double> xs) {
  if (xs.size() < 2) return 0;
  const double m = mean(xs);
  double ss = 0;
  for (double x : xs) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(xs.size() - 1));
}

double median(std::span<const double> xs) { return percentile(xs, 50); }

double percentile(std::span<const double> xs, double p) {
  if (xs.empty()) return 0;
  std::vector<double> sorted(xs.begin(), xs.end());
  std::sort(sorted.begin(), sorted.end());
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

LinearFit fit_line(std::span<const double> xs, std::span<const double> ys) {
  LinearFit fit;
  const std::size_t n = std::min(xs.size(), ys.size());
  if (n == 0) return fit;
  const double mx = mean(xs.first(n));
  const double my = mean(ys.first(n));
  double sxx = 0, sxy = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (xs[i] - mx) * (xs[i] - mx);
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) * (ys[i] - my);
  }
  if (sxx == 0) {
    fit.intercept = my;
    return fit;
  }
  fit.slope = sxy / sxx;
  fit.intercept = my - fit.slope * mx;
  if (syy > 0) fit.r2 = std::clamp(sxy * sxy / (sxx * syy), 0.0, 1.0);
  return fit;
}

namespace {

// Largest total sample size for the exact distribution: the counts are
// binomial coefficients up to C(50, 25) ~ 1.3e14, still exact in a double.
constexpr std::size_t kExactMaxTotal = 50;

// Number of arrangements giving each U in 0..n1*n2: the coefficients of the
// Gaussian binomial [n1+n2 choose n1]_q = prod_{i=1..n1} (1 - q^(n2+i)) / (1 - q^i).
std::vector<double> u_distribution(std::size_t n1, std::size_t n2) {
  const std::size_t top = n1 * n2;
  std::vector<double> c(top + 1, 0.0);
  c[0] = 1;
  for (std::size_t i = 1; i <= n1; ++i) {
    const std::size_t a = n2 + i;
    for (std::size_t k = top; k >= a; --k) c[k] -= c[k - a];  // times (1 - q^a)
    for (std::size_t k = i; k <= top; ++k) c[k] += c[k - i];  // divided by (1 - q^i)
  }
  return c;
}

}  // namespace

MannWhitney mann_whitney_u(std::span<const double> a, std::span<const double> b) {
  MannWhitney r;
  const std::size_t n1 = a.size(), n2 = b.size();
  if (n1 == 0 || n2 == 0) return r;

  // Midranks of the pooled sample, and the tie groups for the variance.
  std::vector<std::pair<double, bool>> pooled;  // value, from a
  pooled.reserve(n1 + n2);
  for (double x : a) pooled.emplace_back(x, true);
  for (double x : b) pooled.emplace_back(x, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& l, const auto& r) { return l.first < r.first; });
  const std::size_t n = pooled.size();
  double rank_sum_a = 0, tie_term = 0;
  bool ties = false;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && pooled[j + 1].first == pooled[i].first) ++j;
    const double midrank = (static_cast<double>(i + j) + 2.0) / 2.0;  // 1-based ranks
    const double t = static_cast<double>(j - i + 1);
    if (t > 1) {
      ties = true;
      tie_term += t * t * t - t;
    }
    for (std::size_t k = i; k <= j; ++k) {
      if (pooled[k].second) rank_sum_a += midrank;
    }
    i = j + 1;
  }
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2);
  r.u = rank_sum_a - dn1 * (dn1 + 1) / 2;

  if (!ties && n <= kExactMaxTotal) {
    const auto dist = u_distribution(n1, n2);
    const auto u = static_cast<std::size_t>(std::llround(r.u));
    double total = 0, le = 0, ge = 0;
    for (std::size_t k = 0; k < dist.size(); ++k) {
      total += dist[k];
      if (k <= u) le += dist[k];
      if (k >= u) ge += dist[k];
    }
    r.p_value = std::min(1.0, 2 * std::min(le, ge) / total);
    r.exact = true;
    return r;
  }

  // Normal approximation with tie correction and continuity correction.
  const double dnn = static_cast<double>(n);
  const double mu = dn1 * dn2 / 2;
  const double var = dn1 * dn2 / 12 * ((dnn + 1) - tie_term / (dnn * (dnn - 1)));
  if (var <= 0) return r;  // every value equal: no evidence of a difference
  const double z = std::max(0.0, std::abs(r.u - mu) - 0.5) / std::sqrt(var);
  r.p_value = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
  return r;
}

}  // namespace vigil::reports
