#include "vigil/profilers/leak_findings.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace vigil::profilers {
namespace {

using reports::Better;
using reports::Severity;

double last_or_zero(const std::vector<double>& ys) { return ys.empty() ? 0 : ys.back(); }

// The view that decided a site's verdict: its blocks, or its bytes.
const GrowthVerdict& deciding_view(const SiteGrowth& g) {
  return g.judgement.in_blocks ? g.judgement.blocks : g.judgement.bytes;
}

std::string plural(double n, const char* word) {
  return fmt::format("{:.0f} {}{}", n, word, std::lround(n) == 1 ? "" : "s");
}

nlohmann::json fit_json(const GrowthFit& fit) {
  return {{"first_cycle", fit.first},
          {"points", fit.points},
          {"slope", fit.slope},
          {"intercept", fit.intercept},
          {"r2", fit.r2},
          {"theil_sen_slope", fit.theil_sen_slope},
          {"theil_sen_ci95", {fit.theil_sen_low, fit.theil_sen_high}},
          {"trend_z", fit.trend_z},
          {"share_growing", fit.share_growing},
          {"growth", fit.growth},
          {"held_growth", fit.held_growth},
          {"grows_to_end", fit.grows_to_end}};
}

nlohmann::json steps_json(const StepView& steps) {
  return {{"rises", steps.rises.size()},
          {"spacing_cycles", steps.spacing},
          {"size_ratio", steps.size_ratio},
          {"spacing_ratio", steps.spacing_ratio},
          {"quiet_cycles", steps.quiet},
          {"expected_wait_cycles", steps.expected_wait},
          {"jitter", steps.jitter}};
}

// The report's own fields of a growth finding (additive to the base ones).
nlohmann::json growth_extra(const SiteGrowth& g) {
  const GrowthVerdict& view = deciding_view(g);
  return {{"site", g.site},
          {"shape", to_string(g.judgement.shape)},
          {"grows_in", g.judgement.in_blocks ? "blocks" : "bytes"},
          {"bytes_per_cycle", g.bytes.slope},
          {"blocks_per_cycle", g.blocks_per_cycle},
          {"live_bytes_start", g.live_bytes_start},
          {"live_blocks_start", g.live_blocks_start},
          {"live_bytes_final", g.live_bytes_final},
          {"live_blocks_final", g.live_blocks_final},
          {"fit", fit_json(g.bytes)},
          {"blocks_fit", fit_json(g.judgement.blocks.fit)},
          {"steps", steps_json(view.steps)}};
}

reports::Series series_of(const std::vector<double>& ys, std::string unit) {
  reports::Series s;
  s.x = "cycle";
  s.y = std::move(unit);
  s.points.reserve(ys.size());
  for (std::size_t i = 0; i < ys.size(); ++i) s.points.emplace_back(static_cast<double>(i), ys[i]);
  return s;
}

void add_metrics(reports::Report& report, const LeakSeries& series, const LeakAnalysis& analysis) {
  double bytes_per_cycle = 0, blocks_per_cycle = 0;
  for (const SiteGrowth& g : analysis.growing_sites) {
    bytes_per_cycle += g.bytes.slope;
    blocks_per_cycle += std::max(g.blocks_per_cycle, 0.0);
  }
  report.set_metric("leak.bytes_per_cycle", bytes_per_cycle, "bytes", Better::Lower);
  report.set_metric("leak.blocks_per_cycle", blocks_per_cycle, "blocks", Better::Lower);
  report.set_metric("leak.growing_sites", static_cast<double>(analysis.growing_sites.size()), "sites",
                    Better::Lower);
  report.set_metric("leak.threads_growth", analysis.threads.growing ? analysis.threads.fit.slope : 0, "threads",
                    Better::Lower);
  report.set_metric("leak.threads_final", last_or_zero(series.threads), "threads", Better::Lower);
  report.set_metric("leak.live_bytes_final", last_or_zero(series.total_live_bytes), "bytes", Better::Lower);
  report.set_metric("leak.live_blocks_final", last_or_zero(series.total_live_blocks), "blocks", Better::Lower);
  report.set_metric("leak.total_bytes_slope", analysis.total_bytes.fit.slope, "bytes", Better::Lower);
  if (series.exit) {
    report.set_metric("leak.unreachable_bytes", analysis.unreachable_bytes, "bytes", Better::Lower);
    report.set_metric("leak.unreachable_blocks", analysis.unreachable_blocks, "blocks", Better::Lower);
    report.set_metric("leak.reachable_bytes", analysis.reachable_bytes, "bytes", Better::Lower);
    report.set_metric("leak.reachable_blocks", analysis.reachable_blocks, "blocks", Better::Lower);
  }
}

void add_series(reports::Report& report, const LeakSeries& series) {
  report.series["live_bytes"] = series_of(series.total_live_bytes, "bytes");
  report.series["live_blocks"] = series_of(series.total_live_blocks, "blocks");
  report.series["threads"] = series_of(series.threads, "threads");
}

void add_growth_findings(reports::Report& report, const LeakAnalysis& analysis, const StackOf& stack_of) {
  for (const SiteGrowth& g : analysis.growing_sites) {
    reports::Finding f;
    f.kind = "leak";
    f.severity = Severity::Error;
    f.stack = stack_of(g.site);
    f.message = fmt::format("live memory grows {}: {:.1f} bytes ({:.2f} blocks) per cycle at {} ({})",
                            growth_manner(g), g.bytes.slope, g.blocks_per_cycle, describe_allocating_frame(f.stack),
                            growth_evidence(g));
    f.bytes = g.bytes.slope;
    f.count = g.blocks_per_cycle;
    f.extra = growth_extra(g);
    report.add_finding(std::move(f));
  }
}

// Sites that rose too few times to judge: a warning each, never a verdict.
void add_undecided_findings(reports::Report& report, const LeakAnalysis& analysis, const StackOf& stack_of,
                            std::size_t max_findings) {
  for (std::size_t i = 0; i < analysis.undecided_sites.size() && i < max_findings; ++i) {
    const SiteGrowth& g = analysis.undecided_sites[i];
    const GrowthVerdict& view = deciding_view(g);
    reports::Finding f;
    f.kind = "leak";
    f.severity = Severity::Warning;
    f.stack = stack_of(g.site);
    f.message = fmt::format(
        "live memory at {} rose {} in {} cycles ({} -> {}) and had not stopped: too few rises to tell a leak "
        "from a one-off step; telling needs a run of at least {} cycles",
        describe_allocating_frame(f.stack), plural(static_cast<double>(view.steps.rises.size()), "time"),
        view.fit.points, human_bytes(g.live_bytes_start), human_bytes(g.bytes.end), g.cycles_needed);
    f.bytes = g.bytes.held_growth;
    f.extra = growth_extra(g);
    f.extra["cycles_needed"] = g.cycles_needed;
    report.add_finding(std::move(f));
  }
}

// The cycles at which `ys` rose by whole units, from index `first` on.
std::vector<std::size_t> unit_rises(const std::vector<double>& ys, std::size_t first) {
  std::vector<std::size_t> at;
  for (std::size_t i = first + 1; i < ys.size(); ++i) {
    if (ys[i] >= ys[i - 1] + 1) at.push_back(i);
  }
  return at;
}

// The first site whose block count rose in exactly the cycles the thread
// count did, by as many, and never fell in the judged window (a thread's
// std::thread state and its TLS both do: either names what started it).
std::optional<std::uint64_t> site_rising_with_threads(const LeakSeries& series, std::size_t first) {
  const std::vector<std::size_t> thread_rises = unit_rises(series.threads, first);
  if (thread_rises.empty() || first >= series.threads.size()) return std::nullopt;
  const double threads_grown = series.threads.back() - series.threads[first];
  for (const SiteSeries& s : series.sites) {
    const std::vector<double>& blocks = s.live_blocks;
    if (blocks.size() != series.threads.size() || blocks.back() - blocks[first] != threads_grown) continue;
    if (!std::is_sorted(blocks.begin() + static_cast<std::ptrdiff_t>(first), blocks.end())) continue;
    if (unit_rises(blocks, first) == thread_rises) return s.site;
  }
  return std::nullopt;
}

void add_thread_finding(reports::Report& report, const LeakSeries& series, const LeakAnalysis& analysis,
                        const StackOf& stack_of) {
  if (!analysis.threads.growing) return;
  reports::Finding f;
  f.kind = "thread-leak";
  f.severity = Severity::Error;
  f.message = fmt::format("live threads grow {} by {:.2f} per cycle ({:.0f} at the end)",
                          analysis.threads.shape == GrowthShape::Steady ? "steadily" : "in steps",
                          analysis.threads.fit.slope, last_or_zero(series.threads));
  f.count = analysis.threads.fit.slope;
  f.extra = {{"threads_per_cycle", analysis.threads.fit.slope},
             {"threads_final", last_or_zero(series.threads)},
             {"shape", to_string(analysis.threads.shape)},
             {"fit", fit_json(analysis.threads.fit)}};
  // Each leaked thread keeps what started it (std::thread's state, its
  // TLS): the growing site whose blocks grow at the threads' pace names it,
  // or, when no site grew enough to be judged on its own (a few threads in a
  // short run), the site whose blocks rose in the very cycles the threads did.
  const SiteGrowth* starter = nullptr;
  const double pace = analysis.threads.fit.slope;
  for (const SiteGrowth& g : analysis.growing_sites) {
    if (std::abs(g.blocks_per_cycle - pace) > 0.25 * pace) continue;
    if (!starter || std::abs(g.blocks_per_cycle - pace) < std::abs(starter->blocks_per_cycle - pace)) {
      starter = &g;
    }
  }
  std::optional<std::uint64_t> site;
  if (starter) site = starter->site;
  if (!site) site = site_rising_with_threads(series, analysis.threads.fit.first);
  if (site) {
    f.stack = stack_of(*site);
    f.message += fmt::format(", started at {}", describe_allocating_frame(f.stack));
    f.extra["site"] = *site;
  }
  report.add_finding(std::move(f));
}

reports::Finding exit_finding(const ExitSite& e, bool unreachable, const StackOf& stack_of) {
  const double bytes = unreachable ? e.unreachable_bytes : e.reachable_bytes;
  const double blocks = unreachable ? e.unreachable_blocks : e.reachable_blocks;
  reports::Finding f;
  f.kind = unreachable ? "leak" : "still-reachable";
  f.severity = unreachable ? Severity::Error : Severity::Info;
  f.stack = stack_of(e.site);
  f.message = fmt::format("{:.0f} bytes in {} {} at exit, allocated at {}", bytes, plural(blocks, "block"),
                          unreachable ? "unreachable" : "still reachable", describe_allocating_frame(f.stack));
  f.bytes = bytes;
  f.count = blocks;
  f.extra = {{"site", e.site}, {"at_exit", unreachable ? "unreachable" : "reachable"}};
  return f;
}

// Unreachable blocks are errors; still reachable ones are info, for sites
// that did not already make a growth finding, largest first.
void add_exit_findings(reports::Report& report, const LeakSeries& series, const LeakAnalysis& analysis,
                       const StackOf& stack_of, std::size_t max_info_findings) {
  if (!series.exit) return;
  std::set<std::uint64_t> grown;
  for (const SiteGrowth& g : analysis.growing_sites) grown.insert(g.site);
  std::vector<ExitSite> reachable;
  for (const ExitSite& e : *series.exit) {
    if (e.unreachable_blocks > 0) report.add_finding(exit_finding(e, true, stack_of));
    if (e.reachable_blocks > 0 && !grown.contains(e.site)) reachable.push_back(e);
  }
  std::sort(reachable.begin(), reachable.end(),
            [](const ExitSite& a, const ExitSite& b) { return a.reachable_bytes > b.reachable_bytes; });
  if (reachable.size() > max_info_findings) reachable.resize(max_info_findings);
  for (const ExitSite& e : reachable) report.add_finding(exit_finding(e, false, stack_of));
}

void add_unexplained_total_warning(reports::Report& report, const LeakAnalysis& analysis) {
  if (analysis.total.outcome != SiteOutcome::Leak || !analysis.growing_sites.empty()) return;
  reports::Finding f;
  f.kind = "leak";
  f.severity = Severity::Warning;
  f.message = fmt::format("total live memory grows ({}) by {:.1f} bytes per cycle, but no single site does",
                          to_string(analysis.total.shape), analysis.total_bytes.fit.slope);
  f.bytes = analysis.total_bytes.fit.slope;
  f.extra = {{"shape", to_string(analysis.total.shape)}, {"fit", fit_json(analysis.total_bytes.fit)}};
  report.add_finding(std::move(f));
}

}  // namespace

std::string human_bytes(double bytes) {
  const double a = std::abs(bytes);
  if (a >= 1024.0 * 1024 * 1024) return fmt::format("{:.1f} GiB", bytes / (1024.0 * 1024 * 1024));
  if (a >= 1024.0 * 1024) return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
  if (a >= 1024.0) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{:.0f} B", bytes);
}

std::string growth_manner(const SiteGrowth& g) {
  switch (g.judgement.shape) {
    case GrowthShape::Steady: return "steadily";
    case GrowthShape::Steps: return "in steps";
    case GrowthShape::Doubling: return "by doubling";
    default: return to_string(g.judgement.shape);
  }
}

std::string growth_evidence(const SiteGrowth& g) {
  const GrowthVerdict& view = deciding_view(g);
  const StepView& steps = view.steps;
  const std::size_t rises = steps.rises.size();
  std::string out;
  switch (g.judgement.shape) {
    case GrowthShape::Steady:
      out = fmt::format("{:.0f}% of cycles grew", 100 * view.fit.share_growing);
      break;
    case GrowthShape::Doubling:
      out = fmt::format("{} steps, each ~{:.1f}x the last, the last {} before the end", rises, steps.size_ratio,
                        plural(static_cast<double>(steps.quiet), "cycle"));
      break;
    default:
      out = fmt::format("{} steps every ~{:.0f} cycles, the last {} before the end", rises, steps.spacing,
                        plural(static_cast<double>(steps.quiet), "cycle"));
      break;
  }
  if (g.judgement.in_blocks) {
    out += "; the block count grows";
  } else if (g.live_blocks_final > g.live_blocks_start) {
    out += "; a few blocks added, each larger than the last";
  } else {
    out += fmt::format("; {} reallocated larger", plural(g.live_blocks_final, "block"));
  }
  const GrowthFit& fit = g.bytes;
  out += fmt::format("; Theil-Sen {}/cycle (95% CI {} to {}), Mann-Kendall z {:.1f}", human_bytes(fit.theil_sen_slope),
                     human_bytes(fit.theil_sen_low), human_bytes(fit.theil_sen_high), fit.trend_z);
  out += fmt::format("; live {} in {} at cycle {}, {} in {} at the end", human_bytes(g.live_bytes_start),
                     plural(g.live_blocks_start, "block"), fit.first, human_bytes(g.live_bytes_final),
                     plural(g.live_blocks_final, "block"));
  return out;
}

void add_leak_results(reports::Report& report, const LeakSeries& series, const LeakAnalysis& analysis,
                      const StackOf& stack_of, std::size_t max_info_findings) {
  add_metrics(report, series, analysis);
  add_series(report, series);
  add_growth_findings(report, analysis, stack_of);
  add_undecided_findings(report, analysis, stack_of, max_info_findings);
  add_thread_finding(report, series, analysis, stack_of);
  add_exit_findings(report, series, analysis, stack_of, max_info_findings);
  add_unexplained_total_warning(report, analysis);
}

}  // namespace vigil::profilers
