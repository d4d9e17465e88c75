#include "vigil/harness/load/merge.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "vigil/harness/load/analysis.hpp"
#include "vigil/harness/load/load_report.hpp"
#include "vigil/harness/load/summary.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::harness::load {
namespace {

namespace rp = vigil::reports;

double max_of(double a, double b) {
  if (std::isnan(a)) return b;
  if (std::isnan(b)) return a;
  return std::max(a, b);
}

}  // namespace

RunRecord merge_records(const std::vector<RunRecord>& runs) {
  if (runs.empty()) throw rp::ReportError("nothing to merge");
  const std::int64_t window_ns = runs.front().window_ns;
  std::int64_t start = runs.front().start_unix_ns;
  for (const auto& r : runs) {
    if (r.window_ns != window_ns) {
      throw rp::ReportError(fmt::format("windows of {} s and {} s cannot be merged (use the same --window-seconds)",
                                        static_cast<double>(window_ns) / 1e9, r.window_seconds()));
    }
    start = std::min(start, r.start_unix_ns);
  }
  // Each run's first window on the common grid, and the windows all cover.
  std::vector<std::int64_t> offset;
  std::int64_t first = INT64_MIN, end = INT64_MAX;
  for (const auto& r : runs) {
    const auto o = static_cast<std::int64_t>(
        std::llround(static_cast<double>(r.start_unix_ns - start) / static_cast<double>(window_ns)));
    offset.push_back(o);
    first = std::max(first, o);
    end = std::min(end, o + static_cast<std::int64_t>(r.windows.size()));
  }
  if (end <= first) throw rp::ReportError("the runs have no window in common (they did not run at the same time)");

  // The same server sampled by every generator: its figures once (mean);
  // different servers: their sum.
  bool same_server = !runs.front().server_identity.empty();
  for (const auto& r : runs) same_server = same_server && r.server_identity == runs.front().server_identity;

  RunRecord merged;
  merged.window_ns = window_ns;
  merged.start_unix_ns = start + first * window_ns;
  merged.constant_rate = runs.front().constant_rate;
  merged.server_identity = same_server ? runs.front().server_identity : std::string();
  merged.generators = 0;
  for (const auto& r : runs) merged.generators += r.generators;
  merged.windows.resize(static_cast<std::size_t>(end - first));
  for (std::size_t w = 0; w < merged.windows.size(); ++w) {
    Window& out = merged.windows[w];
    out.server = {0, 0, 0};
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const Window& in = runs[i].windows[static_cast<std::size_t>(first - offset[i]) + w];
      out.seconds = std::max(out.seconds, in.seconds);
      out.counts.merge(in.counts);
      out.server.rss_bytes += in.server.rss_bytes;
      out.server.cpu_cores += in.server.cpu_cores;
      out.server.run_queue_cores += in.server.run_queue_cores;
      out.generator_busy = max_of(out.generator_busy, in.generator_busy);
      out.generator_waiting = max_of(out.generator_waiting, in.generator_waiting);
      out.machine_probe_ns = max_of(out.machine_probe_ns, in.machine_probe_ns);  // the slowest machine
    }
    if (same_server) {
      const auto n = static_cast<double>(runs.size());
      out.server.rss_bytes /= n;
      out.server.cpu_cores /= n;
      out.server.run_queue_cores /= n;
    }
  }
  return merged;
}

int run_merge(const std::vector<std::string>& files, const std::string& json_out, std::ostream& out,
              std::ostream& err) {
  constexpr const char* kProgram = "vigil-report";
  try {
    if (files.size() < 2) throw rp::ReportError("merge: give at least two vigil-load reports");
    std::vector<RunRecord> runs;
    nlohmann::json config;
    for (const auto& file : files) {
      const rp::Report report = rp::read_report(file);
      try {
        runs.push_back(record_from_report(report));
      } catch (const rp::ReportError& e) {
        throw rp::ReportError(fmt::format("{}: {}", file, e.what()));
      }
      if (config.is_null()) config = report.config;
    }
    const RunRecord merged = merge_records(runs);
    const JudgeOptions judge = judge_options_from_config(config);
    const Analysis analysis = analyze(merged, judge);
    config["merged_from"] = files;
    rp::Report report = make_load_report(merged, analysis, judge, config);
    if (!json_out.empty()) rp::write_report(report, json_out);
    out << fmt::format("vigil-report merge: {} generator(s) from {} report(s), {} common window(s) of {:g} s\n",
                       merged.generators, files.size(), merged.windows.size(), merged.window_seconds());
    out << format_summary(merged, analysis);
    return report.verdict == rp::Verdict::Fail ? rp::kExitProblem : rp::kExitClean;
  } catch (const rp::ReportError& e) {
    err << kProgram << ": " << e.what() << "\n";
  } catch (const nlohmann::json::exception& e) {
    err << kProgram << ": merge: bad config in a report: " << e.what() << "\n";
  }
  return rp::kExitBadInput;
}

}  // namespace vigil::harness::load
