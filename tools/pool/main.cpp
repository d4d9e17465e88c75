// vigil-pool: event pool reuse and latency against plain new/delete.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "vigil/harness/defect_flags.hpp"
#include "vigil/harness/pool_probe.hpp"
#include "vigil/harness/progress.hpp"
#include "vigil/harness/tool_cli.hpp"
#include "vigil/reports/report.hpp"

namespace hn = vigil::harness;
namespace rp = vigil::reports;

namespace {

// Batch samples kept in the report per latency metric (evenly spaced).
constexpr std::size_t kMaxReportSamples = 256;

std::vector<double> thin(const std::vector<double>& xs) {
  if (xs.size() <= kMaxReportSamples) return xs;
  std::vector<double> out;
  out.reserve(kMaxReportSamples);
  for (std::size_t i = 0; i < kMaxReportSamples; ++i) out.push_back(xs[i * xs.size() / kMaxReportSamples]);
  return out;
}

rp::Report build_report(const hn::PoolProbeOptions& options, const hn::PoolJudgeOptions& judge,
                        const hn::PoolProbeResult& result, const std::vector<hn::PoolJudgement>& findings) {
  rp::Report report = rp::make_report("pool");
  report.config = {{"requests", options.requests},
                   {"threads", options.threads},
                   {"events_per_request", options.events_per_request},
                   {"batch_requests", options.batch_requests},
                   {"windows", options.windows},
                   {"warmup_windows", options.warmup_windows},
                   {"min_reuse", judge.min_reuse},
                   {"defects", options.defects.names()}};
  double worst_reuse = 1, worst_speedup = 0;
  double most_fresh = 0;
  bool first = true;
  for (const auto& run : result.runs) {
    const std::string t = fmt::format(".t{}", run.threads);
    const double reuse = run.reuse_ratio_after_warmup();
    const auto fresh = static_cast<double>(run.after_warmup().fresh_allocations);
    report.set_metric("pool.reuse_ratio" + t, reuse, "ratio", rp::Better::Higher);
    report.set_metric("pool.fresh_allocs_after_warmup" + t, fresh, "allocations", rp::Better::Lower);
    report.set_metric("pool.acquire_release_ns" + t, run.pool.median_ns, "ns", rp::Better::Lower, thin(run.pool.samples));
    report.set_metric("pool.acquire_release_p99_ns" + t, run.pool.p99_ns, "ns", rp::Better::Lower);
    report.set_metric("pool.new_delete_ns" + t, run.plain.median_ns, "ns", rp::Better::None, thin(run.plain.samples));
    report.set_metric("pool.new_delete_p99_ns" + t, run.plain.p99_ns, "ns", rp::Better::None);
    report.set_metric("pool.speedup_vs_new" + t, run.speedup_vs_new(), "x", rp::Better::Higher);

    rp::Series fresh_series{"window", "allocations", {}};
    rp::Series reuse_series{"window", "ratio", {}};
    for (std::size_t w = 0; w < run.windows.size(); ++w) {
      const auto& win = run.windows[w];
      fresh_series.points.emplace_back(static_cast<double>(w), static_cast<double>(win.fresh_allocations));
      reuse_series.points.emplace_back(
          static_cast<double>(w),
          win.acquires == 0 ? 0.0 : static_cast<double>(win.reuses) / static_cast<double>(win.acquires));
    }
    report.series["pool.fresh_allocs" + t] = std::move(fresh_series);
    report.series["pool.reuse_ratio" + t] = std::move(reuse_series);

    worst_reuse = first ? reuse : std::min(worst_reuse, reuse);
    worst_speedup = first ? run.speedup_vs_new() : std::min(worst_speedup, run.speedup_vs_new());
    most_fresh = std::max(most_fresh, fresh);
    first = false;
  }
  // Worst case over the thread counts measured.
  report.set_metric("pool.reuse_ratio", worst_reuse, "ratio", rp::Better::Higher);
  report.set_metric("pool.fresh_allocs_after_warmup", most_fresh, "allocations", rp::Better::Lower);
  report.set_metric("pool.speedup_vs_new", worst_speedup, "x", rp::Better::Higher);

  for (const auto& j : findings) {
    rp::Finding f;
    f.kind = j.kind;
    f.severity = rp::Severity::Error;
    f.message = j.message;
    f.extra = {{"threads", j.threads}, {"value", j.value}, {"threshold", j.threshold}};
    report.add_finding(std::move(f));
  }
  report.verdict = findings.empty() ? rp::Verdict::Pass : rp::Verdict::Fail;
  return report;
}

void print_summary(const hn::PoolProbeResult& result, const rp::Report& report) {
  fmt::print("{:>7}  {:>8}  {:>11}  {:>17}  {:>17}  {:>7}\n", "threads", "reuse", "fresh/warm",
             "pool ns (p50/p99)", "new ns (p50/p99)", "speedup");
  for (const auto& run : result.runs) {
    fmt::print("{:>7}  {:>8.4f}  {:>11}  {:>8.1f}/{:<8.1f}  {:>8.1f}/{:<8.1f}  {:>6.2f}x\n", run.threads,
               run.reuse_ratio_after_warmup(), run.after_warmup().fresh_allocations, run.pool.median_ns,
               run.pool.p99_ns, run.plain.median_ns, run.plain.p99_ns, run.speedup_vs_new());
  }
  fmt::print("{}", hn::format_findings(report.findings, "the pool reuses its events and beats new/delete"));
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* kTool = "vigil-pool";
  CLI::App app{"vigil-pool: event pool reuse ratio and acquire/release latency against plain new/delete"};
  hn::PoolProbeOptions options;
  hn::PoolJudgeOptions judge;
  hn::DefectFlags defect_flags;
  std::string json_path;

  hn::whole_number(app.add_option("--requests", options.requests, "request cycles per thread-count run"), 1,
                   1'000'000'000);
  hn::whole_number(
      app.add_option("--threads", options.threads, "threads of the multi-threaded run (1 runs single-threaded only)"),
      1, 256);
  hn::whole_number(app.add_option("--events-per-request", options.events_per_request, "events a request holds at once"),
                   1, 4096);
  hn::real_number(app.add_option("--min-reuse", judge.min_reuse, "minimum reuse ratio after warm-up"), 0.0, 1.0);
  defect_flags.add_to(app);
  app.add_option("--json", json_path, "write the vigil.report/1 report to FILE");

  if (auto exit = hn::parse_command_line(app, argc, argv, kTool)) return *exit;
  if (auto exit = defect_flags.resolve(kTool, options.defects)) return *exit;

  hn::PoolProbeResult result;
  try {
    hn::ProgressBar bar("pool", 1000);
    result = hn::run_pool_probe(options, [&](std::uint64_t done, std::uint64_t total) {
      bar.update(total == 0 ? 1 : done * 1000 / total);
    });
    bar.finish();
  } catch (const std::invalid_argument& e) {
    return hn::bad_input(kTool, e.what());
  }
  const rp::Report report = build_report(options, judge, result, hn::judge_pool_probe(result, judge));
  print_summary(result, report);
  return hn::write_report_and_exit_code(report, json_path, kTool);
}
