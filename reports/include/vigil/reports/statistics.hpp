#pragma once
// Statistics shared by the tools and by `diff`: summaries, percentiles, a
// least-squares line, and the Mann-Whitney U test.

#include <span>
#include <vector>

namespace vigil::reports {

double mean(std::span<const double> xs);
double stddev(std::span<const double> xs);  // sample standard deviation
double median(std::span<const double> xs);
// p in [0, 100], linear interpolation between closest ranks; 0 for empty input.
double percentile(std::span<const double> xs, double p);

struct LinearFit {
  double slope = 0;
  double intercept = 0;
  double r2 = 0;  // coefficient of determination; 0 when undefined
};
LinearFit fit_line(std::span<const double> xs, std::span<const double> ys);

struct MannWhitney {
  double u = 0;        // U statistic of the first sample
  double p_value = 1;  // two-sided
  bool exact = false;  // exact distribution used (small samples, no ties)
};
MannWhitney mann_whitney_u(std::span<const double> a, std::span<const double> b);

}  // namespace vigil::reports
