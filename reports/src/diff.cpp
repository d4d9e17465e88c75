#include "vigil/reports/diff.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "vigil/reports/statistics.hpp"

namespace vigil::reports {

std::string to_string(ChangeStatus s) {
  switch (s) {
    case ChangeStatus::Regression: return "regression";
    case ChangeStatus::Improvement: return "improvement";
    case ChangeStatus::Unchanged: return "unchanged";
    case ChangeStatus::WithinNoise: return "within noise";
    case ChangeStatus::NotGated: return "not gated";
    case ChangeStatus::NotComparable: return "not comparable";
    case ChangeStatus::OnlyInBase: return "only in base";
    case ChangeStatus::OnlyInCurrent: return "only in current";
    case ChangeStatus::Missing: return "missing";
  }
  return "unchanged";
}

int DiffResult::count(ChangeStatus s) const {
  return static_cast<int>(std::count_if(metrics.begin(), metrics.end(),
                                         [s](const MetricChange& m) { return m.status == s; }));
}

int DiffResult::new_error_findings() const {
  return static_cast<int>(std::count_if(new_findings.begin(), new_findings.end(),
                                        [](const Finding& f) { return f.severity == Severity::Error; }));
}

namespace {

std::vector<double> finite(const std::vector<double>& xs) {
  std::vector<double> out;
  std::copy_if(xs.begin(), xs.end(), std::back_inserter(out), [](double x) { return std::isfinite(x); });
  return out;
}

// Smallest two-sided p the U test can give for these sizes (all of one
// sample above the other): 2 / C(n1 + n2, n1).
double smallest_possible_p(std::size_t n1, std::size_t n2) {
  double combos = 1;
  for (std::size_t i = 1; i <= n1; ++i) {
    combos = combos * static_cast<double>(n2 + i) / static_cast<double>(i);
  }
  return std::min(1.0, 2 / combos);
}

// Identity of a finding across runs: its kind, severity and the site it
// names (top frame), or its message with numbers removed, so a leak of a
// different size at the same place is the same finding.
std::string finding_key(const Finding& f) {
  std::string site;
  if (!f.stack.empty()) {
    const Frame& top = f.stack.front();
    site = fmt::format("{}@{}:{}", top.function, top.file, top.line);
  } else {
    for (char c : f.message) {
      if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') site += c;
    }
  }
  return fmt::format("{}|{}|{}", f.kind, to_string(f.severity), site);
}

std::vector<Finding> findings_not_in(const std::vector<Finding>& these, const std::vector<Finding>& others) {
  std::multiset<std::string> keys;
  for (const auto& f : others) keys.insert(finding_key(f));
  std::vector<Finding> out;
  for (const auto& f : these) {
    auto it = keys.find(finding_key(f));
    if (it == keys.end()) {
      out.push_back(f);
    } else {
      keys.erase(it);
    }
  }
  return out;
}

}  // namespace

std::string format_value(std::optional<double> v) {
  if (!v) return "-";
  if (!std::isfinite(*v)) return "nan";
  return fmt::format("{:.6g}", *v);
}

MetricChange compare_metric(const std::string& name, const Metric* base, const Metric* current,
                            const ThresholdRule& rule, double alpha) {
  MetricChange c;
  c.name = name;
  c.rule = rule;
  const Metric* any = current ? current : base;
  c.unit = any->unit;
  c.better = any->better;
  if (base) {
    c.base = base->value;
    c.base_samples = finite(base->samples);
  }
  if (current) {
    c.current = current->value;
    c.current_samples = finite(current->samples);
  }
  if (!base) {
    c.status = ChangeStatus::OnlyInCurrent;
    return c;
  }
  if (!current) {
    const bool gated = c.better != Better::None && rule.gate;
    c.status = gated ? ChangeStatus::Missing : ChangeStatus::OnlyInBase;
    return c;
  }
  if (!std::isfinite(*c.base) || !std::isfinite(*c.current)) {
    c.status = ChangeStatus::NotComparable;
    return c;
  }
  const double delta = *c.current - *c.base;
  c.relative = *c.base != 0 ? delta / std::abs(*c.base)
               : delta == 0 ? 0
                            : std::copysign(std::numeric_limits<double>::infinity(), delta);
  const bool beyond = std::abs(c.relative) > rule.relative && std::abs(delta) > rule.absolute;

  bool significant = true;
  if (c.base_samples.size() >= 2 && c.current_samples.size() >= 2) {
    c.p_value = mann_whitney_u(c.base_samples, c.current_samples).p_value;
    // With very few samples even a complete separation cannot reach alpha;
    // then the test cannot decide, and the threshold alone does.
    c.test_too_small = smallest_possible_p(c.base_samples.size(), c.current_samples.size()) > alpha;
    if (!c.test_too_small) significant = *c.p_value < alpha;
  }

  if (c.better == Better::None || !rule.gate) {
    c.status = ChangeStatus::NotGated;
  } else if (!beyond) {
    c.status = ChangeStatus::Unchanged;
  } else if (!significant) {
    c.status = ChangeStatus::WithinNoise;
  } else {
    const bool worse = (c.better == Better::Lower) == (delta > 0);
    c.status = worse ? ChangeStatus::Regression : ChangeStatus::Improvement;
  }
  return c;
}

DiffResult diff_reports(const Report& base, const Report& current, const DiffOptions& options) {
  DiffResult d;
  d.options = options;
  d.base = base;
  d.current = current;
  std::set<std::string> names;
  for (const auto& [name, m] : base.metrics) names.insert(name);
  for (const auto& [name, m] : current.metrics) names.insert(name);
  for (const auto& name : names) {
    auto b = base.metrics.find(name);
    auto c = current.metrics.find(name);
    MetricChange change = compare_metric(name, b == base.metrics.end() ? nullptr : &b->second,
                                         c == current.metrics.end() ? nullptr : &c->second,
                                         options.thresholds.for_metric(name), options.alpha);
    auto bb = base.breakdowns.find(name), cb = current.breakdowns.find(name);
    if (bb != base.breakdowns.end() && cb != current.breakdowns.end() && change.base && change.current &&
        *change.base != *change.current) {
      change.moved_parts = largest_part_changes(bb->second, cb->second, options.parts_shown);
    }
    if (change.status == ChangeStatus::Missing) {
      if (auto reason = options.thresholds.optional_reason(name)) {
        change.status = ChangeStatus::OnlyInBase;
        change.optional_reason = *reason;
      }
    }
    d.metrics.push_back(std::move(change));
  }
  d.new_findings = findings_not_in(current.findings, base.findings);
  d.resolved_findings = findings_not_in(base.findings, current.findings);
  for (const auto& [name, profile] : current.profiles) {
    auto b = base.profiles.find(name);
    if (b == base.profiles.end()) continue;
    // A rule of the thresholds file for "profile.<name>" overrides the
    // default threshold in points; the file's default rule is for metrics.
    const ThresholdRule& rule = options.thresholds.for_metric("profile." + name);
    const bool own_rule = &rule != &options.thresholds.default_rule();
    d.profiles.push_back(compare_profiles(name, b->second, profile, own_rule ? &rule : nullptr,
                                          options.profile_threshold_points, options.alpha));
  }
  return d;
}

Report diff_to_report(const DiffResult& d) {
  Report r = make_report("report-diff");
  r.config = {{"base", d.base_name},
              {"current", d.current_name},
              {"labels", {d.options.base_label, d.options.current_label}},
              {"alpha", d.options.alpha},
              {"default_threshold", d.options.thresholds.default_rule().relative}};
  for (const auto& [name, m] : d.current.metrics) r.metrics[name] = m;
  r.series = d.current.series;
  for (const auto& c : d.metrics) {
    if (c.status == ChangeStatus::Missing) {
      Finding f;
      f.kind = "missing-metric";
      f.severity = Severity::Error;
      f.message = fmt::format("{} is gated and in the baseline ({} {}) but missing from the current report", c.name,
                              format_value(c.base), c.unit);
      f.extra = {{"metric", c.name}};
      if (c.base && std::isfinite(*c.base)) f.extra["base"] = *c.base;
      r.add_finding(std::move(f));
      continue;
    }
    if (c.status != ChangeStatus::Regression) continue;
    Finding f;
    f.kind = "regression";
    f.severity = Severity::Error;
    f.message = fmt::format("{} went from {} to {} {} ({:+.1f}%, threshold {:.1f}%)", c.name,
                            format_value(c.base), format_value(c.current), c.unit, c.relative * 100,
                            c.rule.relative * 100);
    f.extra = {{"metric", c.name}, {"base", *c.base}, {"current", *c.current}};
    if (!c.moved_parts.empty()) {
      f.message += "; largest changes: " + format_moved_parts(c.moved_parts);
      nlohmann::json where = nlohmann::json::array();
      for (const auto& p : c.moved_parts) {
        where.push_back({{"name", p.name}, {"module", p.module}, {"base", p.base}, {"current", p.current}});
      }
      f.extra["where"] = std::move(where);
    }
    if (std::isfinite(c.relative)) f.extra["relative"] = c.relative;
    if (c.p_value) f.extra["p_value"] = *c.p_value;
    r.add_finding(std::move(f));
  }
  for (const auto& p : d.profiles) {
    for (const auto& c : p.changes) {
      if (!p.regression(c)) continue;
      Finding f;
      f.kind = "profile-regression";
      f.severity = Severity::Error;
      f.message = fmt::format("profile \"{}\": {} self share grew from {:.1f}% to {:.1f}% ({:+.1f} points, threshold "
                              "{:g} points, p {:.2g})",
                              p.name, c.function, c.base_self_share * 100, c.current_self_share * 100, c.self_change,
                              p.threshold_points, c.self_p);
      Frame frame;
      frame.function = c.function;
      f.stack.push_back(std::move(frame));
      f.extra = {{"profile", p.name},          {"function", c.function},
                 {"base_self_share", c.base_self_share}, {"current_self_share", c.current_self_share},
                 {"base_total_share", c.base_total_share}, {"current_total_share", c.current_total_share},
                 {"p_value", c.self_p}};
      r.add_finding(std::move(f));
    }
  }
  for (const auto& f : d.new_findings) r.add_finding(f);
  if (!d.profiles.empty()) {
    r.set_metric("diff.profile_regressions", d.profile_regressions(), "functions", Better::Lower);
  }
  r.set_metric("diff.regressions", d.count(ChangeStatus::Regression), "metrics", Better::Lower);
  r.set_metric("diff.improvements", d.count(ChangeStatus::Improvement), "metrics", Better::Higher);
  r.set_metric("diff.missing", d.count(ChangeStatus::Missing), "metrics", Better::Lower);
  r.set_metric("diff.new_findings", static_cast<double>(d.new_findings.size()), "findings", Better::Lower);
  r.verdict = d.failed() ? Verdict::Fail : Verdict::Pass;
  return r;
}

std::string format_moved_parts(const std::vector<PartChange>& parts) {
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : ", ") + format_part_change(p);
  return text;
}

std::string format_relative(const MetricChange& c) {
  if (!c.base || !c.current || !std::isfinite(*c.base) || !std::isfinite(*c.current)) return "";
  if (std::isinf(c.relative)) return c.relative > 0 ? "+inf%" : "-inf%";
  return fmt::format("{:+.1f}%", c.relative * 100);
}

std::string format_diff_text(const DiffResult& d) {
  const auto& o = d.options;
  std::string out = fmt::format("{} ({}) -> {} ({})\n", o.base_label, d.base_name, o.current_label,
                                d.current_name);
  std::size_t width = 6;
  for (const auto& c : d.metrics) width = std::max(width, c.name.size());
  out += fmt::format("  {:<{}}  {:>12}  {:>12}  {:>9}  {:>8}  {}\n", "metric", width, o.base_label,
                     o.current_label, "change", "p", "status");
  for (const auto& c : d.metrics) {
    std::string status = to_string(c.status);
    if (c.status == ChangeStatus::Missing) status += " (gated; mark it optional in the thresholds, with a reason, if it may be)";
    if (!c.optional_reason.empty()) status += " (optional: " + c.optional_reason + ")";
    out += fmt::format("  {:<{}}  {:>12}  {:>12}  {:>9}  {:>8}  {}\n", c.name, width, format_value(c.base),
                       format_value(c.current), format_relative(c),
                       c.p_value ? fmt::format("{:.3f}", *c.p_value) : "", status);
    const bool notable = c.status == ChangeStatus::Regression || c.status == ChangeStatus::Improvement;
    if (notable && !c.moved_parts.empty()) out += "    where it went: " + format_moved_parts(c.moved_parts) + "\n";
  }
  for (const auto& f : d.new_findings) {
    out += fmt::format("  new finding [{}] {}: {}\n", to_string(f.severity), f.kind, f.message);
  }
  for (const auto& f : d.resolved_findings) {
    out += fmt::format("  resolved finding [{}] {}: {}\n", to_string(f.severity), f.kind, f.message);
  }
  for (const auto& p : d.profiles) out += "  " + format_profile_comparison(p);
  for (const auto* side : {&d.base, &d.current}) {
    const auto* other = side == &d.base ? &d.current : &d.base;
    for (const auto& [name, p] : side->profiles) {
      if (!other->profiles.count(name)) {
        out += fmt::format("  profile \"{}\" only in {}: not compared\n", name,
                           side == &d.base ? o.base_label : o.current_label);
      }
    }
  }
  const int missing = d.count(ChangeStatus::Missing);
  out += fmt::format("{} regression(s), {}{}{} improvement(s), {} new finding(s) ({} error), {} resolved: {}\n",
                     d.count(ChangeStatus::Regression), missing > 0 ? fmt::format("{} missing, ", missing) : "",
                     d.profiles.empty() ? "" : fmt::format("{} profile regression(s), ", d.profile_regressions()),
                     d.count(ChangeStatus::Improvement), d.new_findings.size(), d.new_error_findings(),
                     d.resolved_findings.size(), d.failed() ? "FAIL" : "PASS");
  return out;
}

}  // namespace vigil::reports
