#include "vigil/reports/statistics.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::reports {
namespace {

TEST(Statistics, Summaries) {
  const std::vector<double> xs{4, 1, 3, 2, 5};
  EXPECT_DOUBLE_EQ(mean(xs), 3);
  EXPECT_DOUBLE_EQ(median(xs), 3);
  EXPECT_NEAR(stddev(xs), std::sqrt(2.5), 1e-12);
  EXPECT_DOUBLE_EQ(percentile(xs, 0), 1);
  EXPECT_DOUBLE_EQ(percentile(xs, 100), 5);
  EXPECT_DOUBLE_EQ(percentile(xs, 25), 2);
  EXPECT_DOUBLE_EQ(percentile(std::vector<double>{10, 20}, 50), 15);
  EXPECT_DOUBLE_EQ(percentile(std::vector<double>{}, 50), 0);
  EXPECT_DOUBLE_EQ(median(std::vector<double>{1, 2, 3, 10}), 2.5);
}

TEST(Statistics, FitLine) {
  const std::vector<double> x{0, 1, 2, 3}, y{1, 3, 5, 7};
  const auto fit = fit_line(x, y);
  EXPECT_DOUBLE_EQ(fit.slope, 2);
  EXPECT_DOUBLE_EQ(fit.intercept, 1);
  EXPECT_DOUBLE_EQ(fit.r2, 1);
  const auto flat = fit_line(x, std::vector<double>{5, 5, 5, 5});
  EXPECT_DOUBLE_EQ(flat.slope, 0);
  EXPECT_DOUBLE_EQ(flat.r2, 0);
  const auto noisy = fit_line(x, std::vector<double>{1, 0, 1, 0});
  EXPECT_LT(noisy.r2, 0.5);
}

// Samples of sizes n1, n2 without ties whose U (pairs with a > b) is `u`.
std::pair<std::vector<double>, std::vector<double>> with_u(int n1, int n2, int u) {
  std::vector<double> a, b;
  for (int j = 0; j < n2; ++j) b.push_back(2.0 * j);
  for (int i = 0; i < n1; ++i) {
    const int above = std::min(n2, u);  // greedily put the pairs in the first samples
    u -= above;
    a.push_back(2.0 * above - 1 + 1e-3 * i);
  }
  return {a, b};
}

TEST(MannWhitney, SmallestCase) {
  const std::vector<double> a{1, 2, 3}, b{4, 5, 6};
  const auto r = mann_whitney_u(a, b);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 0);
  EXPECT_NEAR(r.p_value, 0.1, 1e-12);  // 2 * 1/C(6,3)
  EXPECT_DOUBLE_EQ(mann_whitney_u(b, a).u, 9);
}

// Critical values of U for a two-sided test at alpha 0.05, from the
// published tables: U <= critical is significant, U = critical + 1 is not.
TEST(MannWhitney, AgreesWithCriticalValueTables) {
  struct Row { int n1, n2, critical; };
  for (const Row row : {Row{5, 5, 2}, Row{8, 8, 13}, Row{10, 10, 23}, Row{6, 9, 10}, Row{20, 20, 127}}) {
    const auto [a1, b1] = with_u(row.n1, row.n2, row.critical);
    const auto sig = mann_whitney_u(a1, b1);
    EXPECT_TRUE(sig.exact);
    EXPECT_DOUBLE_EQ(sig.u, row.critical);
    EXPECT_LE(sig.p_value, 0.05) << row.n1 << "x" << row.n2;
    const auto [a2, b2] = with_u(row.n1, row.n2, row.critical + 1);
    EXPECT_GT(mann_whitney_u(a2, b2).p_value, 0.05) << row.n1 << "x" << row.n2;
  }
}

// Reference: the exact two-sided p by enumerating every split of the ranks.
double enumerated_p(int n1, int n2, int u_obs) {
  const int n = n1 + n2;
  double total = 0, le = 0, ge = 0;
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    if (__builtin_popcount(mask) != n1) continue;
    int rank_sum = 0;
    for (int i = 0; i < n; ++i) {
      if (mask & (1u << i)) rank_sum += i + 1;
    }
    const int u = rank_sum - n1 * (n1 + 1) / 2;
    total += 1;
    le += u <= u_obs;
    ge += u >= u_obs;
  }
  return std::min(1.0, 2 * std::min(le, ge) / total);
}

TEST(MannWhitney, ExactMatchesFullEnumeration) {
  for (const auto& [n1, n2] : {std::pair{4, 7}, std::pair{6, 6}, std::pair{3, 10}, std::pair{1, 5}}) {
    for (int u = 0; u <= n1 * n2; u += 3) {
      const auto [a, b] = with_u(n1, n2, u);
      const auto r = mann_whitney_u(a, b);
      ASSERT_DOUBLE_EQ(r.u, u);
      EXPECT_NEAR(r.p_value, enumerated_p(n1, n2, u), 1e-12) << n1 << "x" << n2 << " U=" << u;
    }
  }
}

TEST(MannWhitney, TiesUseCorrectedNormalApproximation) {
  // Worked by hand: pooled ranks of {1,2,2,3 | 2,3,3,4,5}: 1 -> 1, 2 -> 3 (x3),
  // 3 -> 6 (x3), 4 -> 8, 5 -> 9. R1 = 1+3+3+6 = 13, U = 13 - 10 = 3.
  // mu = 10, var = 20/12 * (10 - (24+24)/72) = 15.5556, z = (7 - 0.5)/3.944 = 1.6481.
  const std::vector<double> a{1, 2, 2, 3}, b{2, 3, 3, 4, 5};
  const auto r = mann_whitney_u(a, b);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 3);
  const double z = 6.5 / std::sqrt(20.0 / 12.0 * (10.0 - 48.0 / 72.0));
  EXPECT_NEAR(r.p_value, std::erfc(z / std::sqrt(2.0)), 1e-12);
  EXPECT_NEAR(r.p_value, 0.0993, 5e-4);
}

TEST(MannWhitney, DegenerateInputs) {
  const std::vector<double> same(8, 3.0), empty;
  EXPECT_DOUBLE_EQ(mann_whitney_u(same, same).p_value, 1);
  EXPECT_DOUBLE_EQ(mann_whitney_u(empty, same).p_value, 1);
}

}  // namespace
}  // namespace vigil::reports
