#pragma once
// How far a metric may move before `diff` calls it a regression: a relative
// threshold, an absolute floor for tiny values, and whether it is gated at
// all, with per-metric overrides chosen by glob on the metric name.

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

class Thresholds {
 public:
  Thresholds() = default;

  // Reads {"default": {...}, "rules": [{"metrics": GLOB, "relative": "5%",
  // "absolute": 0.5, "gate": true, "reason": "..."}]}; throws ReportError.
  static Thresholds load(const std::filesystem::path& path);

  void set_default_relative(double fraction) { default_.relative = fraction; }
  void add_rule(ThresholdRule rule) { rules_.push_back(std::move(rule)); }

  // The first rule whose glob matches `metric`, else the default.
  const ThresholdRule& for_metric(const std::string& metric) const;
  const ThresholdRule& default_rule() const { return default_; }

 private:
  ThresholdRule default_;
  std::vector<ThresholdRule> rules_;
};

// "5%" -> 0.05, "0.05" -> 0.05; nullopt on anything else or a negative value.
std::optional<double> parse_relative_threshold(const std::string& text);

}  // namespace vigil::reports
