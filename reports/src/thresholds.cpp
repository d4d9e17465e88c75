#include "vigil/reports/thresholds.hpp"

#include <fnmatch.h>

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "vigil/reports/report.hpp"

namespace vigil::reports {

using nlohmann::json;

std::optional<double> parse_relative_threshold(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const bool percent = text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  char* end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(v) || v < 0) {
    return std::nullopt;
  }
  return percent ? v / 100 : v;
}

namespace {

double relative_from(const json& j, const std::string& where) {
  if (j.is_number() && j.get<double>() >= 0) return j.get<double>();
  if (j.is_string()) {
    if (auto v = parse_relative_threshold(j.get<std::string>())) return *v;
  }
  throw ReportError(fmt::format("{}.relative: expected a fraction or \"N%\", got {}", where, j.dump()));
}

void fill_rule(ThresholdRule& rule, const json& j, const std::string& where) {
  if (!j.is_object()) throw ReportError(fmt::format("{}: expected an object", where));
  if (j.contains("relative")) rule.relative = relative_from(j["relative"], where);
  if (j.contains("absolute")) {
    if (!j["absolute"].is_number() || j["absolute"].get<double>() < 0) {
      throw ReportError(fmt::format("{}.absolute: expected a non-negative number", where));
    }
    rule.absolute = j["absolute"].get<double>();
  }
  if (j.contains("gate")) {
    if (!j["gate"].is_boolean()) throw ReportError(fmt::format("{}.gate: expected true or false", where));
    rule.gate = j["gate"].get<bool>();
  }
  if (j.contains("reason")) {
    if (!j["reason"].is_string()) throw ReportError(fmt::format("{}.reason: expected a string", where));
    rule.reason = j["reason"].get<std::string>();
  }
}

}  // namespace

Thresholds Thresholds::load(const std::filesystem::path& path) {
  const json j = read_json_file(path);
  const std::string file = path.string();
  if (!j.is_object()) throw ReportError(fmt::format("{}: expected a JSON object", file));
  Thresholds t;
  if (j.contains("default")) fill_rule(t.default_, j["default"], file + ": default");
  if (j.contains("rules")) {
    if (!j["rules"].is_array()) throw ReportError(fmt::format("{}: rules: expected an array", file));
    for (std::size_t i = 0; i < j["rules"].size(); ++i) {
      const json& jr = j["rules"][i];
      const std::string where = fmt::format("{}: rules[{}]", file, i);
      if (!jr.is_object() || !jr.contains("metrics") || !jr["metrics"].is_string()) {
        throw ReportError(fmt::format("{}: expected an object with a \"metrics\" glob", where));
      }
      ThresholdRule rule = t.default_;
      rule.reason.clear();
      rule.pattern = jr["metrics"].get<std::string>();
      fill_rule(rule, jr, where);
      t.rules_.push_back(std::move(rule));
    }
  }
  if (j.contains("optional")) {
    if (!j["optional"].is_array()) throw ReportError(fmt::format("{}: optional: expected an array", file));
    for (std::size_t i = 0; i < j["optional"].size(); ++i) {
      const json& jo = j["optional"][i];
      const std::string where = fmt::format("{}: optional[{}]", file, i);
      if (!jo.is_object() || !jo.contains("metrics") || !jo["metrics"].is_string()) {
        throw ReportError(fmt::format("{}: expected an object with a \"metrics\" glob", where));
      }
      // An optional metric without a reason is how a gate gets slipped.
      if (!jo.contains("reason") || !jo["reason"].is_string() || jo["reason"].get<std::string>().empty()) {
        throw ReportError(fmt::format("{}: an optional metric needs a \"reason\"", where));
      }
      t.optional_.push_back({jo["metrics"].get<std::string>(), jo["reason"].get<std::string>()});
    }
  }
  return t;
}

const ThresholdRule& Thresholds::for_metric(const std::string& metric) const {
  for (const auto& rule : rules_) {
    if (::fnmatch(rule.pattern.c_str(), metric.c_str(), 0) == 0) return rule;
  }
  return default_;
}

std::optional<std::string> Thresholds::optional_reason(const std::string& metric) const {
  for (const auto& o : optional_) {
    if (::fnmatch(o.pattern.c_str(), metric.c_str(), 0) == 0) return o.reason;
  }
  return std::nullopt;
}

}  // namespace vigil::reports
