#include "vigil/profilers/leak_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "vigil/reports/statistics.hpp"

namespace vigil::profilers {
namespace {

double slope_over(const std::vector<double>& ys, std::size_t first) {
  if (ys.size() < first + 2) return 0;
  std::vector<double> xs(ys.size() - first);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<double>(first + i);
  return reports::fit_line(xs, std::span<const double>(ys).subspan(first)).slope;
}

double last_or_zero(const std::vector<double>& ys) { return ys.empty() ? 0 : ys.back(); }

nlohmann::json fit_json(const GrowthFit& fit) {
  return {{"first_cycle", fit.first},   {"points", fit.points},
          {"slope", fit.slope},         {"intercept", fit.intercept},
          {"r2", fit.r2},               {"theil_sen_slope", fit.theil_sen_slope},
          {"trend_z", fit.trend_z},     {"share_growing", fit.share_growing},
          {"growth", fit.growth}};
}

// The allocating line worth naming: the first frame of the user's own code
// (the innermost frame when every frame is system code).
std::string where(const std::vector<reports::Frame>& stack) {
  if (stack.empty()) return "an unknown site";
  const auto own = std::find_if(stack.begin(), stack.end(), [](const auto& f) { return !in_system_code(f); });
  return describe_frame(own == stack.end() ? stack.front() : *own);
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool module_is(const reports::Frame& f, std::string_view prefix) { return base_name(f.module).starts_with(prefix); }

reports::Series series_of(const std::vector<double>& ys, std::string unit) {
  reports::Series s;
  s.x = "cycle";
  s.y = std::move(unit);
  s.points.reserve(ys.size());
  for (std::size_t i = 0; i < ys.size(); ++i) s.points.emplace_back(static_cast<double>(i), ys[i]);
  return s;
}

}  // namespace

std::string describe_frame(const reports::Frame& frame) {
  std::string name = frame.function.empty() ? fmt::format("{}+{:#x}", frame.module, frame.offset)
                                            : frame.function;
  if (!frame.file.empty()) {
    const std::string_view base = base_name(frame.file);
    name = frame.line > 0 ? fmt::format("{} ({}:{})", name, base, frame.line) : fmt::format("{} ({})", name, base);
  }
  return frame.inlined ? name + " (inlined)" : name;
}

bool in_system_code(const reports::Frame& frame) {
  if (frame.file.starts_with("/usr/include/") || frame.file.starts_with("/usr/lib/gcc/")) return true;
  // Libraries the distribution installed (libfmt, libssl, ...); not
  // /usr/local, where a user's own libraries may live.
  for (const std::string_view dir : {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"}) {
    if (frame.module.starts_with(dir)) return true;
  }
  // Modules known by base name only.
  return module_is(frame, "libc.so") || module_is(frame, "libstdc++.so") || module_is(frame, "ld-linux") ||
         module_is(frame, "libc-") || module_is(frame, "libm.so");
}

LeakSeries leak_series_from_capture(const Capture& capture, std::vector<const Snapshot*>* used) {
  std::vector<const Snapshot*> chosen;
  const bool has_cycles = std::any_of(capture.snapshots.begin(), capture.snapshots.end(),
                                      [](const Snapshot& s) { return s.trigger == SnapshotTrigger::Cycle; });
  const SnapshotTrigger wanted = has_cycles ? SnapshotTrigger::Cycle : SnapshotTrigger::Timer;
  for (const Snapshot& s : capture.snapshots) {
    if (s.trigger == wanted) chosen.push_back(&s);
  }

  LeakSeries series;
  std::map<SiteId, std::size_t> index_of;  // site -> position in series.sites
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const Snapshot& s = *chosen[i];
    series.total_live_bytes.push_back(static_cast<double>(s.live_bytes));
    series.total_live_blocks.push_back(static_cast<double>(s.live_blocks));
    series.threads.push_back(static_cast<double>(s.threads));
    for (const SiteCounters& c : s.sites) {
      auto [it, added] = index_of.try_emplace(c.site, series.sites.size());
      if (added) {
        SiteSeries fresh;
        fresh.site = c.site;
        fresh.live_bytes.assign(chosen.size(), 0.0);
        fresh.live_blocks.assign(chosen.size(), 0.0);
        series.sites.push_back(std::move(fresh));
      }
      series.sites[it->second].live_bytes[i] = static_cast<double>(c.live_bytes);
      series.sites[it->second].live_blocks[i] = static_cast<double>(c.live_blocks);
    }
  }
  // Sampling mode writes an unscanned exit record: nothing to classify.
  if (capture.exit && capture.exit->scanned) {
    series.exit = capture.exit->sites;
  }
  if (used) *used = std::move(chosen);
  return series;
}

std::string folded_stacks(const Snapshot& snapshot, const StackOf& stack_of) {
  std::map<std::string, std::uint64_t> bytes_by_stack;
  for (const SiteCounters& c : snapshot.sites) {
    if (c.live_bytes == 0) continue;
    const std::vector<reports::Frame> frames = stack_of(c.site);
    std::string line;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
      std::string name = describe_frame(*it);
      // ';' separates frames and the last space the count: keep names clear of both roles.
      std::replace(name.begin(), name.end(), ';', ':');
      if (!line.empty()) line += ';';
      line += name;
    }
    if (line.empty()) line = fmt::format("site-{}", c.site);
    bytes_by_stack[line] += c.live_bytes;
  }
  std::vector<std::pair<std::string, std::uint64_t>> lines(bytes_by_stack.begin(), bytes_by_stack.end());
  std::stable_sort(lines.begin(), lines.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [stack, bytes] : lines) out += fmt::format("{} {}\n", stack, bytes);
  return out;
}

std::size_t reclassify_runtime_internals(LeakSeries& series, const StackOf& stack_of) {
  if (!series.exit) return 0;
  std::size_t moved = 0;
  for (ExitSite& e : *series.exit) {
    if (e.unreachable_blocks == 0) continue;
    const std::vector<reports::Frame> stack = stack_of(e.site);
    // The loader's entry point may sit under its own helpers (allocate_dtv,
    // an inlined calloc wrapper): look through the leading loader frames.
    bool loader_tls = false;
    for (std::size_t i = 0; i < stack.size() && module_is(stack[i], "ld-linux"); ++i) {
      loader_tls = loader_tls || stack[i].function == "_dl_allocate_tls";
    }
    if (!loader_tls) continue;
    e.reachable_bytes += e.unreachable_bytes;
    e.reachable_blocks += e.unreachable_blocks;
    e.unreachable_bytes = e.unreachable_blocks = 0;
    ++moved;
  }
  return moved;
}

LeakAnalysis analyse_leaks(const LeakSeries& series, const GrowthOptions& options) {
  LeakAnalysis analysis;
  analysis.total_bytes = judge_growth(series.total_live_bytes, options);
  // A thread is a leak whatever its size: any steady rise counts.
  GrowthOptions thread_options = options;
  thread_options.min_slope = 0;
  analysis.threads = judge_growth(series.threads, thread_options);

  for (const SiteSeries& site : series.sites) {
    const GrowthVerdict verdict = judge_growth(site.live_bytes, options);
    if (!verdict.growing) continue;
    SiteGrowth growth;
    growth.site = site.site;
    growth.bytes = verdict.fit;
    growth.blocks_per_cycle = slope_over(site.live_blocks, verdict.fit.first);
    growth.live_bytes_final = last_or_zero(site.live_bytes);
    growth.live_blocks_final = last_or_zero(site.live_blocks);
    analysis.growing_sites.push_back(growth);
  }
  std::sort(analysis.growing_sites.begin(), analysis.growing_sites.end(),
            [](const SiteGrowth& a, const SiteGrowth& b) { return a.bytes.slope > b.bytes.slope; });

  if (series.exit) {
    for (const ExitSite& e : *series.exit) {
      analysis.unreachable_bytes += e.unreachable_bytes;
      analysis.unreachable_blocks += e.unreachable_blocks;
      analysis.reachable_bytes += e.reachable_bytes;
      analysis.reachable_blocks += e.reachable_blocks;
    }
  }
  return analysis;
}

void add_leak_results(reports::Report& report, const LeakSeries& series,
                      const LeakAnalysis& analysis, const StackOf& stack_of,
                      std::size_t max_info_findings) {
  using reports::Better;
  using reports::Severity;

  double bytes_per_cycle = 0, blocks_per_cycle = 0;
  for (const SiteGrowth& g : analysis.growing_sites) {
    bytes_per_cycle += g.bytes.slope;
    blocks_per_cycle += std::max(g.blocks_per_cycle, 0.0);
  }
  report.set_metric("leak.bytes_per_cycle", bytes_per_cycle, "bytes", Better::Lower);
  report.set_metric("leak.blocks_per_cycle", blocks_per_cycle, "blocks", Better::Lower);
  report.set_metric("leak.growing_sites", static_cast<double>(analysis.growing_sites.size()),
                    "sites", Better::Lower);
  report.set_metric("leak.threads_growth", analysis.threads.growing ? analysis.threads.fit.slope : 0,
                    "threads", Better::Lower);
  report.set_metric("leak.threads_final", last_or_zero(series.threads), "threads", Better::Lower);
  report.set_metric("leak.live_bytes_final", last_or_zero(series.total_live_bytes), "bytes",
                    Better::Lower);
  report.set_metric("leak.live_blocks_final", last_or_zero(series.total_live_blocks), "blocks",
                    Better::Lower);
  report.set_metric("leak.total_bytes_slope", analysis.total_bytes.fit.slope, "bytes",
                    Better::Lower);
  if (series.exit) {
    report.set_metric("leak.unreachable_bytes", analysis.unreachable_bytes, "bytes", Better::Lower);
    report.set_metric("leak.unreachable_blocks", analysis.unreachable_blocks, "blocks",
                      Better::Lower);
    report.set_metric("leak.reachable_bytes", analysis.reachable_bytes, "bytes", Better::Lower);
    report.set_metric("leak.reachable_blocks", analysis.reachable_blocks, "blocks", Better::Lower);
  }

  report.series["live_bytes"] = series_of(series.total_live_bytes, "bytes");
  report.series["live_blocks"] = series_of(series.total_live_blocks, "blocks");
  report.series["threads"] = series_of(series.threads, "threads");

  std::set<std::uint64_t> grown;
  for (const SiteGrowth& g : analysis.growing_sites) {
    grown.insert(g.site);
    reports::Finding f;
    f.kind = "leak";
    f.severity = Severity::Error;
    f.stack = stack_of(g.site);
    f.message = fmt::format(
        "live memory grows steadily by {:.1f} bytes ({:.2f} blocks) per cycle at {} "
        "(r2 {:.2f}, {:.0f}% of cycles grew, {:.0f} bytes live at the end)",
        g.bytes.slope, g.blocks_per_cycle, where(f.stack), g.bytes.r2,
        100 * g.bytes.share_growing, g.live_bytes_final);
    f.bytes = g.bytes.slope;
    f.count = g.blocks_per_cycle;
    f.extra = {{"site", g.site},
               {"bytes_per_cycle", g.bytes.slope},
               {"blocks_per_cycle", g.blocks_per_cycle},
               {"live_bytes_final", g.live_bytes_final},
               {"live_blocks_final", g.live_blocks_final},
               {"fit", fit_json(g.bytes)}};
    report.add_finding(std::move(f));
  }

  if (analysis.threads.growing) {
    reports::Finding f;
    f.kind = "thread-leak";
    f.severity = Severity::Error;
    f.message = fmt::format("live threads grow steadily by {:.2f} per cycle ({:.0f} at the end)",
                            analysis.threads.fit.slope, last_or_zero(series.threads));
    f.count = analysis.threads.fit.slope;
    f.extra = {{"threads_per_cycle", analysis.threads.fit.slope},
               {"threads_final", last_or_zero(series.threads)},
               {"fit", fit_json(analysis.threads.fit)}};
    // Each leaked thread keeps what started it (std::thread's state, its
    // TLS): the growing site whose blocks grow at the threads' pace names it.
    const SiteGrowth* starter = nullptr;
    const double pace = analysis.threads.fit.slope;
    for (const SiteGrowth& g : analysis.growing_sites) {
      if (std::abs(g.blocks_per_cycle - pace) > 0.25 * pace) continue;
      if (!starter || std::abs(g.blocks_per_cycle - pace) < std::abs(starter->blocks_per_cycle - pace)) {
        starter = &g;
      }
    }
    if (starter) {
      f.stack = stack_of(starter->site);
      f.message += fmt::format(", started at {}", where(f.stack));
      f.extra["site"] = starter->site;
    }
    report.add_finding(std::move(f));
  }

  if (series.exit) {
    std::vector<ExitSite> reachable;
    for (const ExitSite& e : *series.exit) {
      if (e.unreachable_blocks > 0) {
        reports::Finding f;
        f.kind = "leak";
        f.severity = Severity::Error;
        f.stack = stack_of(e.site);
        f.message = fmt::format("{} bytes in {} block{} unreachable at exit, allocated at {}",
                                e.unreachable_bytes, e.unreachable_blocks,
                                e.unreachable_blocks == 1 ? "" : "s", where(f.stack));
        f.bytes = e.unreachable_bytes;
        f.count = e.unreachable_blocks;
        f.extra = {{"site", e.site}, {"at_exit", "unreachable"}};
        report.add_finding(std::move(f));
      }
      if (e.reachable_blocks > 0 && !grown.contains(e.site)) reachable.push_back(e);
    }
    std::sort(reachable.begin(), reachable.end(), [](const ExitSite& a, const ExitSite& b) {
      return a.reachable_bytes > b.reachable_bytes;
    });
    if (reachable.size() > max_info_findings) reachable.resize(max_info_findings);
    for (const ExitSite& e : reachable) {
      reports::Finding f;
      f.kind = "still-reachable";
      f.severity = Severity::Info;
      f.stack = stack_of(e.site);
      f.message = fmt::format("{} bytes in {} block{} still reachable at exit, allocated at {}",
                              e.reachable_bytes, e.reachable_blocks,
                              e.reachable_blocks == 1 ? "" : "s", where(f.stack));
      f.bytes = e.reachable_bytes;
      f.count = e.reachable_blocks;
      f.extra = {{"site", e.site}, {"at_exit", "reachable"}};
      report.add_finding(std::move(f));
    }
  }

  if (analysis.total_bytes.growing && analysis.growing_sites.empty()) {
    reports::Finding f;
    f.kind = "leak";
    f.severity = Severity::Warning;
    f.message = fmt::format(
        "total live memory grows steadily by {:.1f} bytes per cycle, but no single site does",
        analysis.total_bytes.fit.slope);
    f.bytes = analysis.total_bytes.fit.slope;
    f.extra = {{"fit", fit_json(analysis.total_bytes.fit)}};
    report.add_finding(std::move(f));
  }
}

}  // namespace vigil::profilers
