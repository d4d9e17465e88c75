#include "vigil/harness/load/summary.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "vigil/harness/load/quantity.hpp"
#include "vigil/harness/tool_cli.hpp"

namespace vigil::harness::load {
namespace {

std::string latency(double ns) { return format_duration(std::chrono::nanoseconds(std::llround(ns))); }

std::string mib_or_dash(double bytes) {
  return std::isnan(bytes) ? std::string("-") : fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0));
}

std::string cores_or_dash(double cores) { return std::isnan(cores) ? std::string("-") : fmt::format("{:.2f}", cores); }

}  // namespace

std::string format_summary(const RunRecord& run, const Analysis& a) {
  std::string text = fmt::format("{:>13}  {:>9}  {:>9}  {:>9}  {:>7}  {:>11}  {:>10}\n", "window", "req/s", "p50",
                                 "p99", "errors", "server RSS", "server CPU");
  for (std::size_t i = 0; i < run.windows.size(); ++i) {
    const Window& w = run.windows[i];
    const double from = static_cast<double>(i) * run.window_seconds();
    text += fmt::format("{:>13}  {:>9.0f}  {:>9}  {:>9}  {:>7}  {:>11}  {:>10}{}\n",
                        fmt::format("{:.3g}-{:.3g} s", from, from + w.seconds), w.throughput(),
                        latency(w.counts.latency.percentile(50)), latency(w.counts.latency.percentile(99)),
                        w.counts.error_total(), mib_or_dash(w.server.rss_bytes), cores_or_dash(w.server.cpu_cores),
                        i < a.first_judged ? "  (warm-up)" : "");
  }
  const WindowCounts& o = a.overall;
  text += fmt::format(
      "\nwhole run: {} requests, {} errors ({:.3g}%)\n"
      "after warm-up ({:.3g} s): {:.0f} req/s, latency p50 {}, p90 {}, p99 {}, p99.9 {}, max {}\n",
      a.whole.responses, a.whole.error_total(), a.whole.error_rate() * 100, a.seconds, a.throughput_rps,
      latency(o.latency.percentile(50)),
      latency(o.latency.percentile(90)), latency(o.latency.percentile(99)), latency(o.latency.percentile(99.9)),
      latency(o.latency.percentile(100)));
  if (run.constant_rate) {
    text += fmt::format("uncorrected (from the actual send, as wrk measures): p50 {}, p99 {}, max {}\n",
                        latency(o.uncorrected.percentile(50)), latency(o.uncorrected.percentile(99)),
                        latency(o.uncorrected.percentile(100)));
  }
  text += fmt::format("trends: throughput {:+.1f}% (Mann-Kendall z {:.2f}), p99 {:+.1f}% (z {:.2f})",
                      a.throughput.change_pct, a.throughput.z, a.p99.change_pct, a.p99.z);
  if (a.rss) {
    text += fmt::format(", server RSS {:+.2f} MiB per million requests (z {:.2f})",
                        a.rss_bytes_per_mreq / (1024.0 * 1024.0), a.rss->z);
  }
  text += "\n";
  return text + harness::format_findings(a.findings, "no degradation, no memory growth, no errors beyond the limits");
}

}  // namespace vigil::harness::load
