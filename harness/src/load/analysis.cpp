#include "vigil/harness/load/analysis.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "vigil/harness/load/quantity.hpp"
#include "vigil/profilers/growth.hpp"
#include "vigil/reports/statistics.hpp"

namespace vigil::harness::load {
namespace {

namespace rp = vigil::reports;

// Fewer judged windows than this and no trend is judged: Mann-Kendall cannot
// reach |z| 2.58 on fewer than 6 points.
constexpr std::size_t kMinJudged = 6;
// A wait for a CPU that grew this much (cores, or share of the generator's
// CPUs) from the first windows to the last explains a slowdown.
constexpr double kWaitRise = 0.05;
// The probe's fixed work taking this much more CPU time at the end than at
// the start, and at least half as much more as the server's CPU time per
// request rose, says the machine itself ran slower. Seen here, the probe
// beside the server: a clean run's CPU time per request +68%, the probe
// +85%; the server polling its leaked workers +89%, the probe -4%.
constexpr double kMachineSlowerPct = 10;

rp::Finding finding(std::string kind, rp::Severity severity, std::string message) {
  rp::Finding f;
  f.kind = std::move(kind);
  f.severity = severity;
  f.message = std::move(message);
  return f;
}

std::string ms(double ns) { return format_duration(std::chrono::nanoseconds(static_cast<std::int64_t>(ns))); }

std::string mib(double bytes) { return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0)); }

template <typename F>
std::vector<double> per_window(const RunRecord& run, const Analysis& a, F value) {
  std::vector<double> ys;
  for (std::size_t i = a.first_judged; i < a.first_judged + a.judged; ++i) ys.push_back(value(run.windows[i]));
  return ys;
}

bool all_finite(const std::vector<double>& ys) {
  return !ys.empty() && std::all_of(ys.begin(), ys.end(), [](double y) { return std::isfinite(y); });
}

void judge_speed(const RunRecord& run, const JudgeOptions& o, Analysis& a) {
  const bool slower = a.degradation_pct() > o.max_degradation * 100 && a.throughput.falling(o.min_trend_z);
  const bool later = a.p99_rise_pct() > o.max_p99_rise * 100 && a.p99.rising(o.min_trend_z);
  if (!slower && !later) return;
  const std::string what =
      slower ? fmt::format("throughput fell {:.1f}% ({:.0f} -> {:.0f} req/s, Sen's slope {:+.1f} req/s per s, "
                           "Mann-Kendall z {:.2f})",
                           a.degradation_pct(), a.throughput.first, a.throughput.last,
                           a.throughput.slope / run.window_seconds(), a.throughput.z)
             : fmt::format("p99 latency rose {:.1f}% ({} -> {}, Mann-Kendall z {:.2f})", a.p99_rise_pct(),
                           ms(a.p99.first), ms(a.p99.last), a.p99.z);
  // A server or generator kept waiting for a CPU by other work on the
  // machine runs slower for that alone (and pays in cold caches, so even
  // its CPU time per request rises): speed is not judged then.
  const double server_rise = a.server_wait_trend ? a.server_wait_trend->last - a.server_wait_trend->first : 0;
  const double generator_rise =
      a.generator_wait_trend ? a.generator_wait_trend->last - a.generator_wait_trend->first : 0;
  const bool busy = a.server_waiting_cores > o.busy_machine_wait || a.generator_waiting > o.busy_machine_wait ||
                    server_rise > kWaitRise || generator_rise > kWaitRise;
  const bool machine_slower = a.machine_probe && a.server_cpu_per_request &&
                              a.machine_probe->change_pct > kMachineSlowerPct &&
                              a.machine_probe->change_pct > a.server_cpu_per_request->change_pct / 2;
  if (machine_slower && !busy) {
    a.findings.push_back(finding(
        "machine-busy", rp::Severity::Warning,
        fmt::format("{}, but a fixed piece of work took {:+.1f}% more CPU time on this machine beside the server's "
                    "{:+.1f}% per request: the machine itself ran slower (its host busy elsewhere), so the speed is "
                    "not judged; re-run on a quieter machine",
                    what, a.machine_probe->change_pct, a.server_cpu_per_request->change_pct)));
    return;
  }
  if (busy) {
    a.findings.push_back(finding(
        "machine-busy", rp::Severity::Warning,
        fmt::format("{}, but the server waited for a CPU {:.2f} cores' worth of the time ({:+.2f} from the first "
                    "windows to the last) and the generator {:.0f}% ({:+.0f} points): other work on this machine, "
                    "so the speed is not judged; re-run on a quieter machine",
                    what, std::isfinite(a.server_waiting_cores) ? a.server_waiting_cores : 0.0, server_rise,
                    std::isfinite(a.generator_waiting) ? a.generator_waiting * 100 : 0.0, generator_rise * 100)));
    return;
  }
  std::string message = fmt::format("the server degrades under load: {}", what);
  if (slower && later) {
    message += fmt::format("; p99 rose {:.1f}% ({} -> {})", a.p99_rise_pct(), ms(a.p99.first), ms(a.p99.last));
  }
  if (a.server_cpu_per_request) {
    message += fmt::format("; its CPU time per request changed {:+.1f}%", a.server_cpu_per_request->change_pct);
  }
  rp::Finding f = finding("degradation", rp::Severity::Error, std::move(message));
  f.extra = {{"degradation_pct", a.degradation_pct()},
             {"throughput_z", a.throughput.z},
             {"p99_rise_pct", a.p99_rise_pct()},
             {"p99_z", a.p99.z}};
  a.findings.push_back(std::move(f));
}

void judge_memory(const RunRecord& run, const JudgeOptions& o, Analysis& a) {
  if (!a.rss) return;
  const Trend& t = *a.rss;
  const double growth = t.slope * static_cast<double>(t.points - 1);
  if (!(t.rising(o.min_rss_trend_z) && a.rss_bytes_per_mreq > o.max_rss_per_mreq && growth > o.min_rss_growth)) {
    return;
  }
  rp::Finding f = finding(
      "rss-growth", rp::Severity::Error,
      fmt::format("server memory grows steadily with the requests served: {} per million requests ({:.0f} bytes "
                  "per request, {}/s), {} -> {} over {:.0f} s (Mann-Kendall z {:.2f})",
                  mib(a.rss_bytes_per_mreq), a.rss_bytes_per_mreq / 1e6, mib(a.rss_slope_bytes_per_s), mib(t.first),
                  mib(t.last), a.seconds, t.z));
  f.bytes = a.rss_bytes_per_mreq;
  f.extra = {{"rss_bytes_per_mreq", a.rss_bytes_per_mreq},
             {"rss_slope_bytes_per_s", a.rss_slope_bytes_per_s},
             {"rss_z", t.z},
             {"window_s", run.window_seconds()}};
  a.findings.push_back(std::move(f));
}

void judge_generator(const RunRecord& run, const JudgeOptions& o, Analysis& a) {
  if (a.generator_busy >= o.generator_busy_limit) {
    a.findings.push_back(finding(
        "generator-saturated", rp::Severity::Warning,
        fmt::format("the generator used {:.0f}% of its CPUs: the throughput measured may be the generator's limit, "
                    "not the server's (add --threads, or give it more cores)",
                    a.generator_busy * 100)));
  }
  if (run.constant_rate && !a.overall.send_lag.empty()) {
    const double lag = a.overall.send_lag.percentile(99);
    if (lag > o.max_send_lag_ns) {
      a.findings.push_back(finding(
          "schedule-lag", rp::Severity::Warning,
          fmt::format("the generator sent 1% of its requests more than {} after they were due (its own delay, "
                      "not the server's): latencies include it",
                      ms(lag))));
    }
  }
}

// Figures taken while the server or the generator waited long for a CPU are
// the machine's as much as the server's: said once, as a warning.
void judge_machine(const JudgeOptions& o, Analysis& a) {
  for (const auto& f : a.findings) {
    if (f.kind == "machine-busy") return;
  }
  const bool server = a.server_waiting_cores > o.busy_machine_wait;
  const bool generator = a.generator_waiting > o.busy_machine_wait;
  if (!server && !generator) return;
  std::string who = server ? fmt::format("the server waited for a CPU {:.2f} cores' worth of the time",
                                         a.server_waiting_cores)
                           : std::string();
  if (generator) {
    who += fmt::format("{}the generator {:.0f}% of the time", server ? " and " : "", a.generator_waiting * 100);
  }
  a.findings.push_back(finding("machine-busy", rp::Severity::Warning,
                               fmt::format("{}: other work shares this machine, so the figures are its as much "
                                           "as the server's",
                                           who)));
}

void judge_errors(const JudgeOptions& o, Analysis& a) {
  const double rate = a.whole.error_rate();
  if (rate <= o.max_error_rate) return;
  std::string kinds;
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    if (a.whole.errors[k] == 0) continue;
    kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", a.whole.errors[k],
                         error_kind_name(static_cast<ErrorKind>(k)));
  }
  rp::Finding f = finding("errors", rp::Severity::Error,
                          fmt::format("error rate {:.3g}% above the {:.3g}% allowed ({})", rate * 100,
                                      o.max_error_rate * 100, kinds));
  f.count = static_cast<double>(a.whole.error_total());
  a.findings.push_back(std::move(f));
}

void judge_slos(const RunRecord& run, const JudgeOptions& o, Analysis& a) {
  for (const Slo& slo : o.slos) {
    SloOutcome out{slo};
    out.overall = slo.measure(a.overall, a.seconds);
    for (std::size_t i = a.first_judged; i < a.first_judged + a.judged; ++i) {
      const Window& w = run.windows[i];
      const double v = slo.measure(w.counts, w.seconds);
      if (slo.met(v)) continue;
      const bool worse = out.windows_broken == 0 || (slo.kind == Slo::Kind::Throughput ? v < out.worst : v > out.worst);
      ++out.windows_broken;
      if (worse) {
        out.worst = v;
        out.worst_window = i;
      }
    }
    if (!out.met()) {
      std::string message = fmt::format("SLO {} broken", slo.describe());
      if (out.windows_broken > 0) {
        const double from = static_cast<double>(out.worst_window) * run.window_seconds();
        message += fmt::format(" in {} of {} windows (worst {} at {:g}-{:g} s)", out.windows_broken, a.judged,
                               slo.format(out.worst), from, from + run.window_seconds());
      }
      message += fmt::format("{} overall {}", out.windows_broken > 0 ? ";" : ":", slo.format(out.overall));
      rp::Finding f = finding("slo", rp::Severity::Error, std::move(message));
      f.extra = {{"slo", slo.text}, {"overall", out.overall}, {"windows_broken", out.windows_broken}};
      a.findings.push_back(std::move(f));
    }
    a.slos.push_back(out);
  }
}

}  // namespace

Trend trend_of(const std::vector<double>& ys) {
  Trend t;
  t.points = ys.size();
  if (ys.empty()) return t;
  const std::size_t q = std::max<std::size_t>(2, ys.size() / 4);
  const std::span<const double> all(ys);
  t.first = rp::median(all.first(std::min(q, ys.size())));
  t.last = rp::median(all.last(std::min(q, ys.size())));
  t.change_pct = t.first != 0 ? (t.last - t.first) / std::fabs(t.first) * 100 : 0;
  t.slope = profilers::theil_sen_slope(all);
  t.z = profilers::mann_kendall_z(all);
  return t;
}

bool Analysis::failed() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const reports::Finding& f) { return f.severity == reports::Severity::Error; });
}

Analysis analyze(const RunRecord& run, const JudgeOptions& o) {
  Analysis a;
  std::size_t end = run.windows.size();
  // A last window cut short (a --requests run) is too small to judge.
  if (end > 0 && run.windows[end - 1].seconds < run.window_seconds() / 2) --end;
  a.first_judged = std::min(o.warmup_windows, end);
  a.judged = end - a.first_judged;
  for (const auto& w : run.windows) a.whole.merge(w.counts);
  for (std::size_t i = a.first_judged; i < end; ++i) {
    a.overall.merge(run.windows[i].counts);
    a.seconds += run.windows[i].seconds;
  }
  a.throughput_rps = a.seconds > 0 ? static_cast<double>(a.overall.responses) / a.seconds : 0;

  a.throughput = trend_of(per_window(run, a, [](const Window& w) { return w.throughput(); }));
  a.p99 = trend_of(per_window(run, a, [](const Window& w) { return w.counts.latency.percentile(99); }));
  const auto rss = per_window(run, a, [](const Window& w) { return w.server.rss_bytes; });
  if (a.judged >= 2 && all_finite(rss)) {
    a.rss = trend_of(rss);
    a.rss_slope_bytes_per_s = a.rss->slope / run.window_seconds();
    const double requests = rp::median(per_window(run, a, [](const Window& w) {
      return static_cast<double>(w.counts.responses);
    }));
    a.rss_bytes_per_mreq = requests > 0 ? a.rss->slope / requests * 1e6 : 0;
  }
  const auto cpu_per_request = per_window(run, a, [](const Window& w) {
    return w.counts.responses > 0 ? w.server.cpu_cores * w.seconds / static_cast<double>(w.counts.responses) : NAN;
  });
  if (all_finite(cpu_per_request)) a.server_cpu_per_request = trend_of(cpu_per_request);
  const auto server_waiting = per_window(run, a, [](const Window& w) { return w.server.run_queue_cores; });
  if (all_finite(server_waiting)) {
    a.server_wait_trend = trend_of(server_waiting);
    a.server_waiting_cores = rp::median(server_waiting);
  }
  const auto generator_waiting = per_window(run, a, [](const Window& w) { return w.generator_waiting; });
  if (all_finite(generator_waiting)) {
    a.generator_wait_trend = trend_of(generator_waiting);
    a.generator_waiting = rp::median(generator_waiting);
  }
  const auto busy = per_window(run, a, [](const Window& w) { return w.generator_busy; });
  if (all_finite(busy)) a.generator_busy = rp::median(busy);
  const auto probe = per_window(run, a, [](const Window& w) { return w.machine_probe_ns; });
  if (all_finite(probe)) a.machine_probe = trend_of(probe);

  if (a.judged < kMinJudged) {
    a.findings.push_back(finding(
        "too-short", rp::Severity::Warning,
        fmt::format("{} window(s) after warm-up: too few to judge trends (at least {}); run longer or use more windows",
                    a.judged, kMinJudged)));
  } else {
    judge_speed(run, o, a);
    judge_memory(run, o, a);
  }
  judge_errors(o, a);
  judge_generator(run, o, a);
  judge_machine(o, a);
  judge_slos(run, o, a);
  return a;
}

}  // namespace vigil::harness::load
