#include <cmath>
#include <map>

#include <fmt/format.h>

#include "html_page.hpp"
#include "vigil/reports/flame_graph.hpp"
#include "vigil/reports/profile_shares.hpp"
#include "vigil/reports/render.hpp"
#include "vigil/reports/svg.hpp"

namespace vigil::reports {

namespace {

constexpr const char* kBaseColor = "#8c8c8c";
constexpr const char* kCurrentColor = "#1f77b4";
constexpr const char* kWorseColor = "#d62728";
constexpr const char* kBetterColor = "#2ca02c";
constexpr const char* kNeutralColor = "#9aa5b1";

std::string environment_line(const Report& r) {
  const auto& e = r.environment;
  return fmt::format("<p class=\"env\">{} · {} · {} · {} cores · {} {} · commit {}</p>\n", html_escape(r.tool),
                     html_escape(r.created_at), html_escape(e.host), e.cores, html_escape(e.compiler),
                     html_escape(e.build_type), html_escape(e.git_commit));
}

std::string findings_html(const std::vector<Finding>& findings) {
  std::string html = "<ul>\n";
  for (const auto& f : findings) {
    html += fmt::format("<li><b>{}</b> {}: {}", to_string(f.severity), html_escape(f.kind), html_escape(f.message));
    if (f.bytes) html += fmt::format(" · {} bytes", format_value(f.bytes));
    if (f.count) html += fmt::format(" · count {}", format_value(f.count));
    if (!f.stack.empty()) {
      html += "<pre>";
      for (const auto& fr : f.stack) {
        html += html_escape(fr.function.empty() ? "??" : fr.function);
        if (!fr.file.empty()) html += fmt::format(" {}:{}", html_escape(fr.file), fr.line);
        if (!fr.module.empty()) html += fmt::format(" ({})", html_escape(fr.module));
        html += "\n";
      }
      html += "</pre>";
    }
    html += "</li>\n";
  }
  return html + "</ul>\n";
}

std::string status_class(ChangeStatus s) {
  if (s == ChangeStatus::Regression || s == ChangeStatus::Missing) return "regression";
  return s == ChangeStatus::Improvement ? "improvement" : "";
}

std::string change_color(const MetricChange& c) {
  if (c.status == ChangeStatus::Regression) return kWorseColor;
  if (c.status == ChangeStatus::Improvement) return kBetterColor;
  return kNeutralColor;
}

// Each profile: the functions that ran most, and its flame graph.
std::string profiles_html(const Report& r) {
  if (r.profiles.empty()) return "";
  std::string html = "<h2>Profiles</h2>\n";
  int index = 0;
  for (const auto& [name, p] : r.profiles) {
    const auto shares = function_shares(p);
    html += fmt::format("<h3>{} ({} samples)</h3>\n<table><tr><th>function</th><th>self</th><th>total</th></tr>\n",
                        html_escape(name), total_samples(p));
    for (std::size_t i = 0; i < shares.size() && i < 15; ++i) {
      html += fmt::format("<tr><td>{}</td><td class=\"num\">{:.1f}%</td><td class=\"num\">{:.1f}%</td></tr>\n",
                          html_escape(shares[i].function), shares[i].self_share * 100, shares[i].total_share * 100);
    }
    html += "</table>\n" + flame_graph_fragment(p, fmt::format("flame-{}", index++), name);
  }
  return html;
}

// Each pair of profiles: the functions whose share moved beyond noise, and
// the differential flame graph.
std::string profile_changes_html(const DiffResult& d) {
  if (d.profiles.empty()) return "";
  const auto& o = d.options;
  std::string html = "<h2>Profiles: where time moved</h2>\n";
  int index = 0;
  for (const auto& p : d.profiles) {
    html += fmt::format("<h3>{} ({} → {} samples)</h3>\n", html_escape(p.name), p.base_samples, p.current_samples);
    std::string rows;
    for (const auto& c : p.changes) {
      if (!c.significant()) continue;
      const std::string status = profile_change_status(p, c);
      rows += fmt::format(
          "<tr><td>{}</td><td class=\"num\">{:.1f}%</td><td class=\"num\">{:.1f}%</td><td class=\"num\">{:+.1f}</td>"
          "<td class=\"num\">{:.1f}%</td><td class=\"num\">{:.1f}%</td><td class=\"num\">{:+.1f}</td>"
          "<td class=\"num\">{:.2g}</td><td class=\"{}\">{}</td></tr>\n",
          html_escape(c.function), c.base_self_share * 100, c.current_self_share * 100, c.self_change,
          c.base_total_share * 100, c.current_total_share * 100, c.total_change, c.self_p,
          status == "regression" ? "regression" : "", status);
    }
    if (rows.empty()) {
      html += "<p>No function's share changed beyond sampling noise.</p>\n";
    } else {
      html += fmt::format(
          "<p>Functions whose share changed significantly (two-proportion z-test, Holm, α = {:g}); the gate fails "
          "when a self share grows by more than {:g} points.</p>\n<table><tr><th>function</th><th>{} self</th>"
          "<th>{} self</th><th>change (points)</th><th>{} total</th><th>{} total</th><th>change (points)</th>"
          "<th>p (self)</th><th>status</th></tr>\n{}</table>\n",
          o.alpha, p.threshold_points, html_escape(o.base_label), html_escape(o.current_label),
          html_escape(o.base_label), html_escape(o.current_label), rows);
    }
    html += differential_flame_graph_fragment(d.base.profiles.at(p.name), d.current.profiles.at(p.name),
                                              fmt::format("flame-diff-{}", index++),
                                              fmt::format("{}: {} → {}", p.name, o.base_label, o.current_label));
  }
  return html;
}

}  // namespace

std::string render_html(const Report& r) {
  const bool pass = r.verdict == Verdict::Pass;
  std::string body = fmt::format("<h1>Vigil {}: <span class=\"{}\">{}</span></h1>\n", html_escape(r.tool),
                                 pass ? "pass" : "fail", pass ? "pass" : "fail");
  body += environment_line(r);
  if (!r.findings.empty()) {
    body += fmt::format("<h2>Findings ({})</h2>\n", r.findings.size()) + findings_html(r.findings);
  }
  if (!r.series.empty()) {
    body += "<h2>Series</h2>\n<div class=\"charts\">\n";
    for (const auto& [name, s] : r.series) {
      body += svg_line_chart(name, s.x, s.y, {ChartLine{"", s.points, kCurrentColor}}) + "\n";
    }
    body += "</div>\n";
  }
  body += "<h2>Metrics</h2>\n<table><tr><th>metric</th><th>value</th><th>unit</th><th>better</th>"
          "<th>samples</th></tr>\n";
  for (const auto& [name, m] : r.metrics) {
    body += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
                        html_escape(name), format_value(m.value), html_escape(m.unit), to_string(m.better),
                        m.samples.size());
  }
  body += "</table>\n<div class=\"charts\">\n";
  for (const auto& [name, m] : r.metrics) {
    if (m.samples.size() > 1) {
      body += svg_bar_chart(name, m.unit, {ChartBar{"value", m.value, m.samples, kCurrentColor}}) + "\n";
    }
  }
  body += "</div>\n" + profiles_html(r);
  return html_page("Vigil " + r.tool, body);
}

std::string render_html(const DiffResult& d) {
  const auto& o = d.options;
  const bool fail = d.failed();
  std::string body = fmt::format("<h1>Vigil: {} → {}: <span class=\"{}\">{}</span></h1>\n",
                                 html_escape(o.base_label), html_escape(o.current_label), fail ? "fail" : "pass",
                                 fail ? "fail" : "pass");
  body += fmt::format("<p>{} regression(s), {} missing, {}{} improvement(s), {} within noise, {} new finding(s), "
                      "{} resolved. α = {:g}.</p>\n",
                      d.count(ChangeStatus::Regression), d.count(ChangeStatus::Missing),
                      d.profiles.empty() ? "" : fmt::format("{} profile regression(s), ", d.profile_regressions()),
                      d.count(ChangeStatus::Improvement),
                      d.count(ChangeStatus::WithinNoise), d.new_findings.size(), d.resolved_findings.size(),
                      o.alpha);
  body += fmt::format("<p class=\"env\">{}: {}</p>", html_escape(o.base_label), html_escape(d.base_name)) +
          environment_line(d.base);
  body += fmt::format("<p class=\"env\">{}: {}</p>", html_escape(o.current_label), html_escape(d.current_name)) +
          environment_line(d.current);
  if (!d.new_findings.empty()) {
    body += fmt::format("<h2>New findings in {}</h2>\n", html_escape(o.current_label)) + findings_html(d.new_findings);
  }
  if (!d.resolved_findings.empty()) {
    body += fmt::format("<h2>Findings gone in {}</h2>\n", html_escape(o.current_label)) +
            findings_html(d.resolved_findings);
  }

  std::vector<ChangeBar> changes;
  for (const auto& c : d.metrics) {
    if (c.base && c.current && std::isfinite(*c.base) && std::isfinite(*c.current)) {
      changes.push_back({c.name, c.relative, change_color(c)});
    }
  }
  if (!changes.empty()) body += "<h2>Change</h2>\n" + svg_change_chart(changes) + "\n";

  body += fmt::format("<h2>Metrics</h2>\n<table><tr><th>metric</th><th>{}</th><th>{}</th><th>unit</th>"
                      "<th>change</th><th>p</th><th>threshold</th><th>status</th></tr>\n",
                      html_escape(o.base_label), html_escape(o.current_label));
  for (const auto& c : d.metrics) {
    std::string threshold = c.rule.gate && c.better != Better::None ? fmt::format("{:g}%", c.rule.relative * 100) : "—";
    body += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\" title=\"{}\">{}</td><td class=\"{}\">{}</td></tr>\n",
        html_escape(c.name), format_value(c.base), format_value(c.current), html_escape(c.unit), format_relative(c),
        c.p_value ? fmt::format("{:.3f}", *c.p_value) : "", html_escape(c.rule.reason), threshold,
        status_class(c.status), to_string(c.status));
  }
  body += "</table>\n";
  std::string where;
  for (const auto& c : d.metrics) {
    if (c.moved_parts.empty() || (c.status != ChangeStatus::Regression && c.status != ChangeStatus::Improvement)) {
      continue;
    }
    where += fmt::format("<li>{} ({}): {}</li>\n", html_escape(c.name), html_escape(c.unit),
                         html_escape(format_moved_parts(c.moved_parts)));
  }
  if (!where.empty()) body += "<h2>Where it went</h2>\n<ul>\n" + where + "</ul>\n";
  body += profile_changes_html(d);

  // Before and after of every comparable metric, regressions first.
  body += fmt::format("<h2>{} and {} per metric</h2>\n<div class=\"charts\">\n", html_escape(o.base_label),
                      html_escape(o.current_label));
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& c : d.metrics) {
      if (!c.base || !c.current) continue;
      if ((c.status == ChangeStatus::Regression) != (pass == 0)) continue;
      body += svg_bar_chart(c.name, c.unit,
                            {ChartBar{o.base_label, *c.base, c.base_samples, kBaseColor},
                             ChartBar{o.current_label, *c.current, c.current_samples, change_color(c) == kNeutralColor
                                                                                          ? kCurrentColor
                                                                                          : change_color(c)}}) +
              "\n";
    }
  }
  body += "</div>\n";

  std::map<std::string, std::pair<const Series*, const Series*>> series;
  for (const auto& [name, s] : d.base.series) series[name].first = &s;
  for (const auto& [name, s] : d.current.series) series[name].second = &s;
  if (!series.empty()) {
    body += "<h2>Series</h2>\n<div class=\"charts\">\n";
    for (const auto& [name, pair] : series) {
      const auto [b, c] = pair;
      std::vector<ChartLine> lines;
      if (b) lines.push_back({o.base_label, b->points, kBaseColor});
      if (c) lines.push_back({o.current_label, c->points, kCurrentColor});
      const Series* any = c ? c : b;
      body += svg_line_chart(name, any->x, any->y, lines) + "\n";
    }
    body += "</div>\n";
  }
  return html_page(fmt::format("Vigil {} → {}", o.base_label, o.current_label), body);
}

}  // namespace vigil::reports
