#include <algorithm>
#include <cmath>
#include <map>

#include "vigil/reports/profile_shares.hpp"

namespace vigil::reports {

double two_proportion_p(std::uint64_t x1, std::uint64_t n1, std::uint64_t x2, std::uint64_t n2) {
  if (n1 == 0 || n2 == 0) return 1;
  const double a = static_cast<double>(n1), b = static_cast<double>(n2);
  const double p1 = static_cast<double>(x1) / a, p2 = static_cast<double>(x2) / b;
  const double pooled = static_cast<double>(x1 + x2) / (a + b);
  const double variance = pooled * (1 - pooled) * (1 / a + 1 / b);
  if (!(variance > 0)) return 1;
  const double z = (p2 - p1) / std::sqrt(variance);
  return std::erfc(std::abs(z) / std::sqrt(2.0));
}

namespace {

// Holm's step-down adjustment: the family-wise error stays below alpha
// however many functions are tested, and it rejects at least what
// Bonferroni rejects.
void holm_adjust(std::vector<double*>& ps) {
  std::sort(ps.begin(), ps.end(), [](const double* a, const double* b) { return *a < *b; });
  const double m = static_cast<double>(ps.size());
  double running = 0;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    running = std::max(running, std::min(1.0, (m - static_cast<double>(i)) * *ps[i]));
    *ps[i] = running;
  }
}

}  // namespace

std::vector<ShareChange> profile_changes(const Profile& base, const Profile& current, double alpha) {
  const std::uint64_t n_base = total_samples(base), n_current = total_samples(current);
  std::map<std::string, ShareChange> by_name;
  for (const bool is_current : {false, true}) {
    for (const auto& s : function_shares(is_current ? current : base)) {
      auto& c = by_name[s.function];
      (is_current ? c.current_self : c.base_self) = s.self;
      (is_current ? c.current_total : c.base_total) = s.total;
      (is_current ? c.current_self_share : c.base_self_share) = s.self_share;
      (is_current ? c.current_total_share : c.base_total_share) = s.total_share;
    }
  }
  std::vector<ShareChange> out;
  out.reserve(by_name.size());
  for (auto& [name, c] : by_name) {
    c.function = name;
    c.self_change = (c.current_self_share - c.base_self_share) * 100;
    c.total_change = (c.current_total_share - c.base_total_share) * 100;
    c.self_p = two_proportion_p(c.base_self, n_base, c.current_self, n_current);
    c.total_p = two_proportion_p(c.base_total, n_base, c.current_total, n_current);
    out.push_back(std::move(c));
  }
  // The family is every share compared: a function whose self and total are
  // the same samples (a leaf) counts twice, which only makes it stricter.
  std::vector<double*> family;
  for (auto& c : out) {
    family.push_back(&c.self_p);
    family.push_back(&c.total_p);
  }
  holm_adjust(family);
  for (auto& c : out) {
    c.self_significant = c.self_p < alpha;
    c.total_significant = c.total_p < alpha;
  }
  std::sort(out.begin(), out.end(), [](const ShareChange& a, const ShareChange& b) {
    if (std::abs(a.self_change) != std::abs(b.self_change)) return std::abs(a.self_change) > std::abs(b.self_change);
    if (std::abs(a.total_change) != std::abs(b.total_change)) {
      return std::abs(a.total_change) > std::abs(b.total_change);
    }
    return a.function < b.function;
  });
  return out;
}

}  // namespace vigil::reports
