#pragma once
// Compares two reports: metrics matched by name, judged by direction,
// relative threshold and (where both sides carry samples) a Mann-Whitney U
// test; findings new in the current report listed.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vigil/reports/profile_shares.hpp"
#include "vigil/reports/report.hpp"
#include "vigil/reports/thresholds.hpp"

namespace vigil::reports {

enum class ChangeStatus {
  Regression,     // worse beyond threshold (and significant): fails the gate
  Improvement,    // better beyond threshold (and significant)
  Unchanged,      // within threshold
  WithinNoise,    // beyond threshold but not significant
  NotGated,       // no direction, or its rule says gate=false
  NotComparable,  // a value is not a number
  OnlyInBase,     // in the baseline only: not gated, or marked optional
  OnlyInCurrent,
  Missing,        // a gated metric of the baseline the current report lacks: fails the gate
};
std::string to_string(ChangeStatus s);

struct MetricChange {
  std::string name;
  std::string unit;
  Better better = Better::None;
  std::optional<double> base, current;
  double relative = 0;  // (current - base) / |base|; +-inf when base is 0
  std::optional<double> p_value;  // when both sides carry samples
  bool test_too_small = false;    // samples too few for the test to reach alpha
  ChangeStatus status = ChangeStatus::Unchanged;
  ThresholdRule rule;
  std::string optional_reason;  // why an OnlyInBase metric may be absent
  std::vector<double> base_samples, current_samples;
  // Where the change went, when both reports break the metric down (e.g.
  // instructions by function): the parts that moved most.
  std::vector<PartChange> moved_parts;
};

// Two profiles of the same name, one in each report: where time moved.
struct ProfileComparison {
  std::string name;
  std::uint64_t base_samples = 0, current_samples = 0;
  std::vector<ShareChange> changes;  // every function, largest |self change| first
  // A function's self share growing significantly by more than this many
  // points fails the gate: --profile-threshold, or the "absolute" of a
  // thresholds rule matching "profile.<name>" (whose gate:false turns it off).
  double threshold_points = 5;
  bool gated = true;
  std::string reason;  // of the rule, when one matched

  bool regression(const ShareChange& c) const {
    return gated && c.self_significant && c.self_change > threshold_points;
  }
  int regressions() const;
};

ProfileComparison compare_profiles(const std::string& name, const Profile& base, const Profile& current,
                                   const ThresholdRule* rule, double default_threshold_points, double alpha);

struct DiffOptions {
  Thresholds thresholds;
  double profile_threshold_points = 5;
  std::size_t parts_shown = 5;  // of each metric's breakdown
  double alpha = 0.05;
  std::string base_label = "baseline";
  std::string current_label = "current";
};

struct DiffResult {
  DiffOptions options;
  std::string base_name, current_name;  // file names, for display
  Report base, current;
  std::vector<MetricChange> metrics;  // by name
  std::vector<Finding> new_findings;       // in current, not in base
  std::vector<Finding> resolved_findings;  // in base, not in current
  std::vector<ProfileComparison> profiles;  // profiles both reports have, by name

  int count(ChangeStatus s) const;
  int new_error_findings() const;
  int profile_regressions() const;
  bool failed() const {
    return count(ChangeStatus::Regression) > 0 || count(ChangeStatus::Missing) > 0 || new_error_findings() > 0 ||
           profile_regressions() > 0;
  }
};

DiffResult diff_reports(const Report& base, const Report& current, const DiffOptions& options);
// A metric missing from one side is OnlyInCurrent, or, from the current
// report, Missing when its rule gates it (OnlyInBase otherwise); diff_reports
// turns Missing into OnlyInBase for metrics the thresholds mark optional.
MetricChange compare_metric(const std::string& name, const Metric* base, const Metric* current,
                            const ThresholdRule& rule, double alpha);

// The diff as a vigil.report/1 report (tool "report-diff"): the current
// metrics, a finding per regression plus the new findings, and the verdict.
Report diff_to_report(const DiffResult& d);

// "+180.0 malloc (libc.so.6), -12.0 f (app)": where a metric's change went.
std::string format_moved_parts(const std::vector<PartChange>& parts);

// "+12.3%", "+inf%", or "" when not comparable.
std::string format_relative(const MetricChange& c);
// A value for tables: 6 significant digits, "-" when absent, "nan".
std::string format_value(std::optional<double> v);

// "slow_path: self 30.0% -> 50.0% (+20.0 points), total ...": one changed
// function of a profile comparison.
std::string format_share_change(const ShareChange& c);
// "regression" (fails the gate), "grew" or "shrank" (by its self share when
// that moved significantly, else by its total share).
std::string profile_change_status(const ProfileComparison& p, const ShareChange& c);
// What a comparison found: the functions whose share changed significantly,
// largest first (at most `most`), each with its status.
std::string format_profile_comparison(const ProfileComparison& p, std::size_t most = 20);

// A short plain-text summary for a terminal.
std::string format_diff_text(const DiffResult& d);

}  // namespace vigil::reports
