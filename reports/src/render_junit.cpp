#include <fmt/format.h>

#include "vigil/reports/render.hpp"
#include "vigil/reports/svg.hpp"

namespace vigil::reports {

namespace {

struct Case {
  std::string name;
  std::string failure;  // empty: passed
  std::string output;
};

std::string suite(const std::string& name, const std::vector<Case>& cases) {
  int failures = 0;
  for (const auto& c : cases) failures += c.failure.empty() ? 0 : 1;
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format("<testsuites name=\"vigil\" tests=\"{0}\" failures=\"{1}\">\n"
                     "  <testsuite name=\"{2}\" tests=\"{0}\" failures=\"{1}\" errors=\"0\" skipped=\"0\">\n",
                     cases.size(), failures, html_escape(name));
  for (const auto& c : cases) {
    xml += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", html_escape(name), html_escape(c.name));
    if (c.failure.empty() && c.output.empty()) {
      xml += "/>\n";
      continue;
    }
    xml += ">\n";
    if (!c.failure.empty()) {
      xml += fmt::format("      <failure message=\"{0}\">{0}</failure>\n", html_escape(c.failure));
    }
    if (!c.output.empty()) xml += fmt::format("      <system-out>{}</system-out>\n", html_escape(c.output));
    xml += "    </testcase>\n";
  }
  return xml + "  </testsuite>\n</testsuites>\n";
}

std::string finding_text(const Finding& f) {
  return fmt::format("[{}] {}: {}", to_string(f.severity), f.kind, f.message);
}

}  // namespace

std::string render_junit(const Report& r) {
  std::vector<Case> cases;
  for (const auto& [name, m] : r.metrics) {
    cases.push_back({name, "", fmt::format("{} {}", format_value(m.value), m.unit)});
  }
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const auto& f = r.findings[i];
    if (f.severity != Severity::Error) continue;
    cases.push_back({fmt::format("finding {} {}", i + 1, f.kind), finding_text(f), ""});
  }
  return suite("vigil." + r.tool, cases);
}

std::string render_junit(const DiffResult& d) {
  std::vector<Case> cases;
  for (const auto& c : d.metrics) {
    const bool gated = c.rule.gate && c.better != Better::None && c.base && c.current;
    if (c.status == ChangeStatus::Missing) {
      cases.push_back({c.name, fmt::format("missing: gated, {} {} in {}, absent from {}", format_value(c.base), c.unit,
                                           d.options.base_label, d.options.current_label),
                       ""});
      continue;
    }
    if (!gated) continue;
    Case tc{c.name, "", ""};
    tc.output = fmt::format("{} {} -> {} {} ({}) {}", d.options.base_label, format_value(c.base),
                            d.options.current_label, format_value(c.current), format_relative(c),
                            to_string(c.status));
    if (c.status == ChangeStatus::Regression) {
      tc.failure = fmt::format("regression: {} -> {} {} ({}, threshold {:g}%)", format_value(c.base),
                               format_value(c.current), c.unit, format_relative(c), c.rule.relative * 100);
    }
    cases.push_back(std::move(tc));
  }
  for (std::size_t i = 0; i < d.new_findings.size(); ++i) {
    const auto& f = d.new_findings[i];
    if (f.severity != Severity::Error) continue;
    cases.push_back({fmt::format("new finding {} {}", i + 1, f.kind), finding_text(f), ""});
  }
  return suite("vigil.diff", cases);
}

}  // namespace vigil::reports
