#include <cmath>

#include <fmt/format.h>

#include "vigil/reports/breakdown.hpp"
#include "vigil/reports/profile_shares.hpp"
#include "vigil/reports/render.hpp"

namespace vigil::reports {

namespace {

// Table cells must not break the row.
std::string cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string status_cell(const MetricChange& c, bool before_after) {
  switch (c.status) {
    case ChangeStatus::Regression: return before_after ? "❌ worse" : "❌ regression";
    case ChangeStatus::Improvement: return before_after ? "✅ better" : "✅ improvement";
    case ChangeStatus::WithinNoise: return "〰 within noise";
    case ChangeStatus::Missing: return "❌ missing (gated)";
    case ChangeStatus::OnlyInBase:
      return c.optional_reason.empty() ? to_string(c.status) : "only in base (optional: " + cell(c.optional_reason) + ")";
    default: return to_string(c.status);
  }
}

std::string finding_line(const Finding& f) {
  std::string line = fmt::format("- **{}** `{}`: {}", to_string(f.severity), f.kind, cell(f.message));
  if (!f.stack.empty()) {
    const auto& top = f.stack.front();
    line += fmt::format(" at `{}`", top.function.empty() ? top.module : top.function);
    if (!top.file.empty()) line += fmt::format(" ({}:{})", top.file, top.line);
  }
  return line + "\n";
}

// "5%", "0% (> 0.5)" with an absolute floor, "—" when not gated.
std::string threshold_cell(const MetricChange& c) {
  if (!c.rule.gate || c.better == Better::None) return "—";
  std::string text = fmt::format("{:g}%", c.rule.relative * 100);
  if (c.rule.absolute > 0) text += fmt::format(" (> {:g})", c.rule.absolute);
  return text;
}

std::string profiles_markdown(const Report& r) {
  std::string md;
  for (const auto& [name, p] : r.profiles) {
    const auto shares = function_shares(p);
    md += fmt::format("**Profile `{}`** ({} samples): the functions that ran most\n\n"
                      "| function | self | total |\n|---|---:|---:|\n",
                      cell(name), total_samples(p));
    for (std::size_t i = 0; i < shares.size() && i < 10; ++i) {
      md += fmt::format("| `{}` | {:.1f}% | {:.1f}% |\n", cell(short_name(shares[i].function, 60)),
                        shares[i].self_share * 100, shares[i].total_share * 100);
    }
    md += "\n";
  }
  return md;
}

std::string profile_changes_markdown(const DiffResult& d) {
  std::string md;
  for (const auto& p : d.profiles) {
    std::string rows;
    for (const auto& c : p.changes) {
      if (!c.significant()) continue;
      const std::string status = profile_change_status(p, c);
      rows += fmt::format("| `{}` | {:.1f}% | {:.1f}% | {:+.1f} | {:+.1f} | {:.2g} | {} |\n",
                          cell(short_name(c.function, 60)), c.base_self_share * 100, c.current_self_share * 100,
                          c.self_change, c.total_change, c.self_p,
                          status == "regression" ? "❌ regression" : status);
    }
    md += fmt::format("**Profile `{}`** ({} → {} samples): ", cell(p.name), p.base_samples, p.current_samples);
    if (rows.empty()) {
      md += "no function's share changed beyond sampling noise\n\n";
      continue;
    }
    md += fmt::format("functions whose share changed significantly (gate: self share +{:g} points)\n\n"
                      "| function | {} self | {} self | self change (points) | total change (points) | p | status |\n"
                      "|---|---:|---:|---:|---:|---:|---|\n",
                      p.threshold_points, cell(d.options.base_label), cell(d.options.current_label));
    md += rows + "\n";
  }
  return md;
}

}  // namespace

std::string render_markdown(const Report& r) {
  std::string md = fmt::format("### Vigil {}: {}\n\n", r.tool, r.verdict == Verdict::Pass ? "✅ pass" : "❌ fail");
  md += fmt::format("{} · {} · {} cores · commit `{}`\n\n", r.created_at, cell(r.environment.cpu),
                    r.environment.cores, r.environment.git_commit);
  if (!r.metrics.empty()) {
    md += "| metric | value | unit | better | samples |\n|---|---:|---|---|---:|\n";
    for (const auto& [name, m] : r.metrics) {
      md += fmt::format("| `{}` | {} | {} | {} | {} |\n", cell(name), format_value(m.value), cell(m.unit),
                        to_string(m.better), m.samples.empty() ? "" : std::to_string(m.samples.size()));
    }
    md += "\n";
  }
  if (!r.findings.empty()) {
    md += fmt::format("**Findings ({})**\n\n", r.findings.size());
    for (const auto& f : r.findings) md += finding_line(f);
    md += "\n";
  }
  return md + profiles_markdown(r);
}

std::string render_markdown(const DiffResult& d) {
  const auto& o = d.options;
  const bool before_after = o.base_label != "baseline" || o.current_label != "current";
  std::string md = fmt::format("### Vigil: {} → {}: {}\n\n", cell(o.base_label), cell(o.current_label),
                               d.failed() ? "❌ fail" : "✅ pass");
  md += fmt::format("{} regression(s), {} missing, {} improvement(s), {} within noise, {} new finding(s) "
                    "({} error), {} resolved · `{}` vs `{}`\n\n",
                    d.count(ChangeStatus::Regression), d.count(ChangeStatus::Missing),
                    d.count(ChangeStatus::Improvement),
                    d.count(ChangeStatus::WithinNoise), d.new_findings.size(), d.new_error_findings(),
                    d.resolved_findings.size(), cell(d.base_name), cell(d.current_name));
  const std::string header = fmt::format("| metric | {} | {} | change | p | threshold | status |\n"
                                         "|---|---:|---:|---:|---:|---:|---|\n",
                                         cell(o.base_label), cell(o.current_label));
  auto row = [&](const MetricChange& c) {
    return fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", cell(c.name), format_value(c.base),
                       format_value(c.current), format_relative(c),
                       c.p_value ? fmt::format("{:.3f}", *c.p_value) : "",
                       threshold_cell(c),
                       status_cell(c, before_after));
  };
  // What moved goes first; everything else folds away to keep CI summaries short.
  std::string moved, rest;
  int rest_count = 0;
  for (const auto& c : d.metrics) {
    const bool notable = c.status == ChangeStatus::Regression || c.status == ChangeStatus::Improvement ||
                         c.status == ChangeStatus::WithinNoise || c.status == ChangeStatus::Missing;
    if (notable) {
      moved += row(c);
    } else {
      rest += row(c);
      ++rest_count;
    }
  }
  if (!moved.empty()) md += header + moved + "\n";
  if (rest_count > 0) {
    md += fmt::format("<details><summary>{} other metric(s): unchanged, not gated or on one side only</summary>\n\n",
                      rest_count);
    md += header + rest + "\n</details>\n\n";
  }
  std::string where;
  for (const auto& c : d.metrics) {
    if (c.moved_parts.empty() || (c.status != ChangeStatus::Regression && c.status != ChangeStatus::Improvement)) {
      continue;
    }
    where += fmt::format("- `{}` ({}):", cell(c.name), cell(c.unit));
    for (const auto& p : c.moved_parts) {
      where += fmt::format(" {:+.1f} `{}`{};", p.delta(), cell(p.name), p.module.empty() ? "" : " (" + cell(p.module) + ")");
    }
    where.back() = '\n';
  }
  if (!where.empty()) md += "**Where it went** (the parts that moved most)\n\n" + where + "\n";
  md += profile_changes_markdown(d);
  if (!d.new_findings.empty()) {
    md += fmt::format("**New findings in {} ({})**\n\n", cell(o.current_label), d.new_findings.size());
    for (const auto& f : d.new_findings) md += finding_line(f);
    md += "\n";
  }
  if (!d.resolved_findings.empty()) {
    md += fmt::format("**Findings gone in {} ({})**\n\n", cell(o.current_label), d.resolved_findings.size());
    for (const auto& f : d.resolved_findings) md += finding_line(f);
    md += "\n";
  }
  return md;
}

}  // namespace vigil::reports
