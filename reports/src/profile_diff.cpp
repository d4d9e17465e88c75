// The profile half of `diff`: where time moved between two profiles of the
// same name, and which growth fails the gate.
#include <algorithm>

#include <fmt/format.h>

#include "vigil/reports/diff.hpp"

namespace vigil::reports {

int ProfileComparison::regressions() const {
  return static_cast<int>(std::count_if(changes.begin(), changes.end(),
                                        [this](const ShareChange& c) { return regression(c); }));
}

int DiffResult::profile_regressions() const {
  int n = 0;
  for (const auto& p : profiles) n += p.regressions();
  return n;
}

ProfileComparison compare_profiles(const std::string& name, const Profile& base, const Profile& current,
                                   const ThresholdRule* rule, double default_threshold_points, double alpha) {
  ProfileComparison c;
  c.name = name;
  c.base_samples = total_samples(base);
  c.current_samples = total_samples(current);
  c.changes = profile_changes(base, current, alpha);
  c.threshold_points = default_threshold_points;
  if (rule) {
    c.threshold_points = rule->absolute;
    c.gated = rule->gate;
    c.reason = rule->reason;
  }
  return c;
}

std::string format_share_change(const ShareChange& c) {
  return fmt::format("{}: self {:.1f}% -> {:.1f}% ({:+.1f} points, p {:.2g}), total {:.1f}% -> {:.1f}% ({:+.1f} points, "
                     "p {:.2g})",
                     c.function, c.base_self_share * 100, c.current_self_share * 100, c.self_change, c.self_p,
                     c.base_total_share * 100, c.current_total_share * 100, c.total_change, c.total_p);
}

std::string profile_change_status(const ProfileComparison& p, const ShareChange& c) {
  if (p.regression(c)) return "regression";
  const bool grew = c.self_significant ? c.self_change > 0 : c.total_change > 0;
  return grew ? "grew" : "shrank";
}

namespace {

std::string status_of(const ProfileComparison& p, const ShareChange& c) {
  if (p.regression(c)) return fmt::format("REGRESSION: self grew more than {:g} points", p.threshold_points);
  return profile_change_status(p, c);
}

}  // namespace

std::string format_profile_comparison(const ProfileComparison& p, std::size_t most) {
  std::vector<const ShareChange*> moved;
  for (const auto& c : p.changes) {
    if (c.significant()) moved.push_back(&c);
  }
  std::string out = fmt::format("profile \"{}\" ({} -> {} samples): ", p.name, p.base_samples, p.current_samples);
  if (moved.empty()) return out + "no function's share changed beyond sampling noise\n";
  out += fmt::format("{} function(s) changed share significantly\n", moved.size());
  for (std::size_t i = 0; i < moved.size() && i < most; ++i) {
    out += fmt::format("    {}  [{}]\n", format_share_change(*moved[i]), status_of(p, *moved[i]));
  }
  if (moved.size() > most) out += fmt::format("    ... and {} more\n", moved.size() - most);
  return out;
}

}  // namespace vigil::reports
