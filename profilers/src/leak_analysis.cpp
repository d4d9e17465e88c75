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

double last_or_zero(const std::vector<double>& ys) { return ys.empty() ? 0 : ys.back(); }

std::string_view base_name(std::string_view path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool module_is(const reports::Frame& f, std::string_view prefix) { return base_name(f.module).starts_with(prefix); }

// Cycles a run needs to tell a site that rose too few times, or paused at
// the end, either way: if it leaks, `min_rises` rises at least as far apart
// as the longest wait seen (the quiet end included: the next rise is later
// than that); if it stopped, a quiet end of `overdue` expected waits.
std::size_t cycles_needed(const SiteJudgement& j, const GrowthOptions& options) {
  const GrowthVerdict& v = j.in_blocks ? j.blocks : j.bytes;
  double longest = static_cast<double>(v.steps.quiet + 1);
  for (std::size_t i = 0; i < v.steps.rises.size(); ++i) {
    const std::size_t from = i == 0 ? 0 : v.steps.rises[i - 1].at;
    longest = std::max(longest, static_cast<double>(v.steps.rises[i].at - from));
  }
  const double last_rise = v.steps.rises.empty() ? 0.0 : static_cast<double>(v.steps.rises.back().at);
  const double if_leaking = longest * static_cast<double>(options.min_rises);
  const double if_stopped = last_rise + options.overdue * std::max(v.steps.expected_wait, 1.0);
  return options.warmup + static_cast<std::size_t>(std::ceil(std::max(if_leaking, if_stopped))) + 1;
}

std::vector<double> sum_of(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> sum(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) sum[i] = a[i] + b[i];
  return sum;
}

// Rule: blocks that move from one site to another are not growth (a deque
// used as a queue re-centres its map through another code path than the one
// that made it; a table is rebuilt by another function): a site whose rise
// is matched by another site's fall is judged on the sum of the two.
bool moved_from_another_site(std::size_t index, const std::vector<SiteSeries>& sites,
                             const std::vector<SiteJudgement>& judgements, double run_live_bytes,
                             const GrowthOptions& options) {
  const double grown = judgements[index].bytes.fit.held_growth;
  for (std::size_t other = 0; other < sites.size(); ++other) {
    const double fell = -judgements[other].bytes.fit.held_growth;
    if (other == index || fell < 0.5 * grown) continue;
    const SiteJudgement together =
        judge_site(sum_of(sites[index].live_bytes, sites[other].live_bytes),
                   sum_of(sites[index].live_blocks, sites[other].live_blocks), run_live_bytes, options);
    if (together.outcome == SiteOutcome::Clean) return true;
  }
  return false;
}

SiteGrowth site_growth(const SiteSeries& site, const SiteJudgement& judgement) {
  SiteGrowth growth;
  growth.site = site.site;
  growth.bytes = judgement.bytes.fit;
  growth.blocks_per_cycle = judgement.blocks.fit.slope;
  growth.live_bytes_final = last_or_zero(site.live_bytes);
  growth.live_blocks_final = last_or_zero(site.live_blocks);
  growth.live_bytes_start = judgement.bytes.fit.start;
  // At the cycle the bytes are judged from (which may be before the blocks' window).
  const std::size_t from = judgement.bytes.fit.first;
  growth.live_blocks_start = from < site.live_blocks.size() ? site.live_blocks[from] : judgement.blocks.fit.start;
  growth.judgement = judgement;
  return growth;
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

std::string describe_allocating_frame(const std::vector<reports::Frame>& stack) {
  if (stack.empty()) return "an unknown site";
  const auto own = std::find_if(stack.begin(), stack.end(), [](const auto& f) { return !in_system_code(f); });
  return describe_frame(own == stack.end() ? stack.front() : *own);
}

LeakAnalysis analyse_leaks(const LeakSeries& series, const GrowthOptions& options) {
  LeakAnalysis analysis;
  analysis.total_bytes = judge_growth(series.total_live_bytes, options);
  const double run_live_bytes = last_or_zero(series.total_live_bytes);
  analysis.total = judge_site(series.total_live_bytes, series.total_live_blocks, run_live_bytes, options);
  // A thread is a leak whatever its size: any rise counts.
  GrowthOptions thread_options = options;
  thread_options.min_slope = 0;
  analysis.threads = judge_growth(series.threads, thread_options);

  std::vector<SiteJudgement> judgements;
  judgements.reserve(series.sites.size());
  for (const SiteSeries& site : series.sites) {
    judgements.push_back(judge_site(site.live_bytes, site.live_blocks, run_live_bytes, options));
  }
  for (std::size_t i = 0; i < series.sites.size(); ++i) {
    const SiteJudgement& judgement = judgements[i];
    if (judgement.outcome == SiteOutcome::Clean ||
        moved_from_another_site(i, series.sites, judgements, run_live_bytes, options)) {
      continue;
    }
    if (judgement.outcome == SiteOutcome::Leak) {
      analysis.growing_sites.push_back(site_growth(series.sites[i], judgement));
    } else {
      analysis.undecided_sites.push_back(site_growth(series.sites[i], judgement));
      analysis.undecided_sites.back().cycles_needed = cycles_needed(judgement, options);
    }
  }
  std::sort(analysis.growing_sites.begin(), analysis.growing_sites.end(),
            [](const SiteGrowth& a, const SiteGrowth& b) { return a.bytes.slope > b.bytes.slope; });
  std::sort(analysis.undecided_sites.begin(), analysis.undecided_sites.end(),
            [](const SiteGrowth& a, const SiteGrowth& b) { return a.bytes.held_growth > b.bytes.held_growth; });

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

}  // namespace vigil::profilers
