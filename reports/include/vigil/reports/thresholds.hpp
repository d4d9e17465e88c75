#pragma once
// How far a metric may move before `diff` calls it a regression: a relative
// threshold, an absolute floor for tiny values, and whether it is gated at
// all, with per-metric overrides chosen by glob on the metric name; and which
// gated metrics may be missing from a report (optional, each with a reason).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vigil::reports {

struct ThresholdRule {
  std::string pattern = "*";  // fnmatch glob on the metric name
  double relative = 0.05;     // fraction: 0.05 = 5%
  double absolute = 0;        // changes no larger than this never count
  bool gate = true;           // false: shown, never fails the gate
  std::string reason;         // why this rule exists (shown in reports)
};

// A gated metric that a run may legitimately not write (e.g. one measured only
// where an optional library is installed). Any other gated metric of the
// baseline that is missing from the current report fails the gate.
struct OptionalMetric {
  std::string pattern;  // fnmatch glob on the metric name
  std::string reason;   // required: why the metric may be absent
};

class Thresholds {
 public:
  Thresholds() = default;

  // Reads {"default": {...}, "rules": [{"metrics": GLOB, "relative": "5%",
  // "absolute": 0.5, "gate": true, "reason": "..."}], "optional": [{"metrics":
  // GLOB, "reason": "..."}]}; throws ReportError.
  static Thresholds load(const std::filesystem::path& path);

  void set_default_relative(double fraction) { default_.relative = fraction; }
  void add_rule(ThresholdRule rule) { rules_.push_back(std::move(rule)); }
  void add_optional(OptionalMetric m) { optional_.push_back(std::move(m)); }

  // The first rule whose glob matches `metric`, else the default.
  const ThresholdRule& for_metric(const std::string& metric) const;
  const ThresholdRule& default_rule() const { return default_; }
  // The reason of the first optional entry whose glob matches `metric`.
  std::optional<std::string> optional_reason(const std::string& metric) const;

 private:
  ThresholdRule default_;
  std::vector<ThresholdRule> rules_;
  std::vector<OptionalMetric> optional_;
};

// "5%" -> 0.05, "0.05" -> 0.05; nullopt on anything else or a negative value.
std::optional<double> parse_relative_threshold(const std::string& text);

}  // namespace vigil::reports
