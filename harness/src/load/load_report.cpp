#include "vigil/harness/load/load_report.hpp"

#include <cmath>

#include <fmt/format.h>

namespace vigil::harness::load {
namespace {

namespace rp = vigil::reports;
using nlohmann::json;

constexpr const char* kErrorsPrefix = "load.errors.";

double to_ms(double ns) { return ns / 1e6; }

// x of window i: its start, in seconds since the run's start.
double window_x(const RunRecord& run, std::size_t i) { return static_cast<double>(i) * run.window_seconds(); }

template <typename F>
rp::Series series_of(const RunRecord& run, std::string y, F value) {
  rp::Series s{"s", std::move(y), {}};
  for (std::size_t i = 0; i < run.windows.size(); ++i) s.points.emplace_back(window_x(run, i), value(run.windows[i]));
  return s;
}

template <typename F>
rp::HistogramSeries histograms_of(const RunRecord& run, F histogram) {
  rp::HistogramSeries s{"s", "ns", {}};
  for (std::size_t i = 0; i < run.windows.size(); ++i) s.points.emplace_back(window_x(run, i), histogram(run.windows[i]));
  return s;
}

void add_series(rp::Report& r, const RunRecord& run) {
  r.series["load.window_s"] = series_of(run, "s", [](const Window& w) { return w.seconds; });
  r.series["load.responses"] = series_of(run, "requests", [](const Window& w) {
    return static_cast<double>(w.counts.responses);
  });
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    bool any = false;
    for (const auto& w : run.windows) any = any || w.counts.errors[k] != 0;
    if (!any) continue;
    r.series[kErrorsPrefix + std::string(error_kind_name(static_cast<ErrorKind>(k)))] =
        series_of(run, "errors", [k](const Window& w) { return static_cast<double>(w.counts.errors[k]); });
  }
  r.series["load.throughput_rps"] = series_of(run, "req/s", [](const Window& w) { return w.throughput(); });
  r.series["load.error_rate_pct"] = series_of(run, "%", [](const Window& w) { return w.counts.error_rate() * 100; });
  const std::pair<const char*, double> percentiles[] = {
      {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9}, {"max", 100}};
  for (const auto& [name, p] : percentiles) {
    r.series[fmt::format("load.latency_{}_ms", name)] =
        series_of(run, "ms", [p](const Window& w) { return to_ms(w.counts.latency.percentile(p)); });
  }
  r.histograms["load.latency"] = histograms_of(run, [](const Window& w) { return w.counts.latency; });
  if (run.constant_rate) {
    r.series["load.uncorrected_latency_p99_ms"] =
        series_of(run, "ms", [](const Window& w) { return to_ms(w.counts.uncorrected.percentile(99)); });
    r.histograms["load.uncorrected_latency"] = histograms_of(run, [](const Window& w) { return w.counts.uncorrected; });
    r.histograms["load.send_lag"] = histograms_of(run, [](const Window& w) { return w.counts.send_lag; });
  }
  if (run.server_sampled()) {
    r.series["load.server_rss_bytes"] = series_of(run, "bytes", [](const Window& w) { return w.server.rss_bytes; });
    r.series["load.server_cpu_cores"] = series_of(run, "cores", [](const Window& w) { return w.server.cpu_cores; });
    r.series["load.server_run_queue_cores"] =
        series_of(run, "cores", [](const Window& w) { return w.server.run_queue_cores; });
  }
  r.series["load.generator_busy_pct"] = series_of(run, "%", [](const Window& w) { return w.generator_busy * 100; });
  r.series["load.generator_waiting_pct"] =
      series_of(run, "%", [](const Window& w) { return w.generator_waiting * 100; });
  r.series["load.machine_probe_ns"] = series_of(run, "ns", [](const Window& w) { return w.machine_probe_ns; });
}

void add_metrics(rp::Report& r, const RunRecord& run, const Analysis& a) {
  using rp::Better;
  // Counts over the whole run; speeds over the judged windows.
  const WindowCounts& all = a.whole;
  r.set_metric("load.requests", static_cast<double>(all.responses), "requests", Better::None);
  r.set_metric("load.errors", static_cast<double>(all.error_total()), "errors", Better::Lower);
  r.set_metric("load.error_rate", all.error_rate(), "ratio", Better::Lower);
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    r.set_metric(kErrorsPrefix + std::string(error_kind_name(static_cast<ErrorKind>(k))),
                 static_cast<double>(all.errors[k]), "errors", Better::Lower);
  }
  const WindowCounts& o = a.overall;
  r.set_metric("load.throughput_rps", a.throughput_rps, "req/s", Better::Higher);
  const std::pair<const char*, double> percentiles[] = {
      {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9}, {"max", 100}};
  for (const auto& [name, p] : percentiles) {
    r.set_metric(fmt::format("load.latency_{}_ms", name), to_ms(o.latency.percentile(p)), "ms", Better::Lower);
  }
  r.set_metric("load.degradation_pct", a.degradation_pct(), "%", Better::Lower);
  r.set_metric("load.throughput_trend_z", a.throughput.z, "z", Better::None);
  r.set_metric("load.throughput_slope_rps_per_s", a.throughput.slope / run.window_seconds(), "req/s per s",
               Better::Higher);
  r.set_metric("load.p99_rise_pct", a.p99_rise_pct(), "%", Better::Lower);
  r.set_metric("load.p99_trend_z", a.p99.z, "z", Better::None);
  r.set_metric("load.generator_busy_pct", a.generator_busy * 100, "%", Better::None);
  if (std::isfinite(a.generator_waiting)) {
    r.set_metric("load.generator_waiting_pct", a.generator_waiting * 100, "%", Better::None);
  }
  if (std::isfinite(a.server_waiting_cores)) {
    r.set_metric("load.server_run_queue_cores", a.server_waiting_cores, "cores", Better::None);
  }
  if (run.constant_rate) {
    r.set_metric("load.uncorrected_latency_p99_ms", to_ms(o.uncorrected.percentile(99)), "ms", Better::None);
    r.set_metric("load.send_lag_p99_ms", to_ms(o.send_lag.percentile(99)), "ms", Better::Lower);
  }
  if (a.rss) {
    r.set_metric("load.rss_slope_bytes_per_s", a.rss_slope_bytes_per_s, "bytes/s", Better::Lower);
    r.set_metric("load.rss_bytes_per_mreq", a.rss_bytes_per_mreq, "bytes", Better::Lower);
    r.set_metric("load.rss_trend_z", a.rss->z, "z", Better::None);
    r.set_metric("load.server_rss_bytes", run.windows[a.first_judged + a.judged - 1].server.rss_bytes, "bytes",
                 Better::Lower);
  }
  if (a.server_cpu_per_request) {
    double cpu = 0;
    for (std::size_t i = a.first_judged; i < a.first_judged + a.judged; ++i) {
      cpu += run.windows[i].server.cpu_cores * run.windows[i].seconds;
    }
    r.set_metric("load.server_cpu_cores", a.seconds > 0 ? cpu / a.seconds : 0, "cores", Better::None);
    r.set_metric("load.server_cpu_us_per_req", o.responses > 0 ? cpu / static_cast<double>(o.responses) * 1e6 : 0,
                 "us", Better::Lower);
  }
  if (!a.slos.empty()) {
    double broken = 0;
    for (const auto& s : a.slos) broken += s.met() ? 0 : 1;
    r.set_metric("load.slo_broken", broken, "SLOs", Better::Lower);
  }
}

const rp::Series& require_series(const rp::Report& r, const std::string& name) {
  auto it = r.series.find(name);
  if (it == r.series.end()) throw rp::ReportError(fmt::format("not a vigil-load report: no series \"{}\"", name));
  return it->second;
}

double number_in(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number()) {
    throw rp::ReportError(fmt::format("not a vigil-load report: config.record has no number \"{}\"", key));
  }
  return obj[key].get<double>();
}

}  // namespace

rp::Report make_load_report(const RunRecord& run, const Analysis& a, const JudgeOptions& judge, json config,
                            std::map<std::string, rp::Profile> profiles) {
  rp::Report r = rp::make_report("load");
  json slos = json::array();
  for (const auto& s : judge.slos) slos.push_back(s.text);
  config["record"] = {{"start_unix_ms", static_cast<double>(run.start_unix_ns) / 1e6},
                      {"window_s", run.window_seconds()},
                      {"constant_rate", run.constant_rate},
                      {"server_identity", run.server_identity},
                      {"generators", run.generators}};
  config["judge"] = {{"warmup_windows", judge.warmup_windows},
                     {"max_degradation", judge.max_degradation},
                     {"max_p99_rise", judge.max_p99_rise},
                     {"max_error_rate", judge.max_error_rate},
                     {"max_rss_per_mreq", judge.max_rss_per_mreq},
                     {"slos", std::move(slos)}};
  r.config = std::move(config);
  add_series(r, run);
  add_metrics(r, run, a);
  r.findings = a.findings;
  r.profiles = std::move(profiles);
  r.verdict = a.failed() ? rp::Verdict::Fail : rp::Verdict::Pass;
  return r;
}

RunRecord record_from_report(const rp::Report& r) {
  if (r.tool != "load") throw rp::ReportError(fmt::format("a {} report, not a vigil-load report", r.tool));
  const json& record = r.config.contains("record") ? r.config["record"] : json();
  RunRecord run;
  run.start_unix_ns = static_cast<std::int64_t>(std::llround(number_in(record, "start_unix_ms") * 1e6));
  const double window_s = number_in(record, "window_s");
  if (!(window_s > 0)) throw rp::ReportError("not a vigil-load report: config.record.window_s is not positive");
  run.window_ns = static_cast<std::int64_t>(std::llround(window_s * 1e9));
  run.constant_rate = record.value("constant_rate", false);
  run.server_identity = record.value("server_identity", std::string());
  run.generators = record.value("generators", 1u);

  const auto& lengths = require_series(r, "load.window_s");
  const auto& responses = require_series(r, "load.responses");
  const std::size_t n = lengths.points.size();
  if (responses.points.size() != n) throw rp::ReportError("load.responses and load.window_s differ in length");
  run.windows.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    run.windows[i].seconds = lengths.points[i].second;
    run.windows[i].counts.responses = static_cast<std::uint64_t>(std::llround(responses.points[i].second));
  }
  auto fill = [&](const char* name, auto set) {
    auto it = r.series.find(name);
    if (it == r.series.end()) return;
    if (it->second.points.size() != n) throw rp::ReportError(fmt::format("series {} has {} points, not {}", name,
                                                                         it->second.points.size(), n));
    for (std::size_t i = 0; i < n; ++i) set(run.windows[i], it->second.points[i].second);
  };
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    const std::string name = kErrorsPrefix + std::string(error_kind_name(static_cast<ErrorKind>(k)));
    fill(name.c_str(), [k](Window& w, double v) { w.counts.errors[k] = static_cast<std::uint64_t>(std::llround(v)); });
  }
  fill("load.server_rss_bytes", [](Window& w, double v) { w.server.rss_bytes = v; });
  fill("load.server_cpu_cores", [](Window& w, double v) { w.server.cpu_cores = v; });
  fill("load.server_run_queue_cores", [](Window& w, double v) { w.server.run_queue_cores = v; });
  fill("load.generator_busy_pct", [](Window& w, double v) { w.generator_busy = v / 100; });
  fill("load.generator_waiting_pct", [](Window& w, double v) { w.generator_waiting = v / 100; });
  fill("load.machine_probe_ns", [](Window& w, double v) { w.machine_probe_ns = v; });
  auto fill_histograms = [&](const char* name, reports::Histogram WindowCounts::*member, bool required) {
    auto it = r.histograms.find(name);
    if (it == r.histograms.end()) {
      if (required) throw rp::ReportError(fmt::format("not a vigil-load report: no histograms \"{}\"", name));
      return;
    }
    if (it->second.points.size() != n) throw rp::ReportError(fmt::format("histograms {} has {} points, not {}",
                                                                         name, it->second.points.size(), n));
    for (std::size_t i = 0; i < n; ++i) run.windows[i].counts.*member = it->second.points[i].second;
  };
  fill_histograms("load.latency", &WindowCounts::latency, true);
  fill_histograms("load.uncorrected_latency", &WindowCounts::uncorrected, false);
  fill_histograms("load.send_lag", &WindowCounts::send_lag, false);
  return run;
}

JudgeOptions judge_options_from_config(const json& config) {
  JudgeOptions o;
  const json& j = config.contains("judge") && config["judge"].is_object() ? config["judge"] : json::object();
  o.warmup_windows = j.value("warmup_windows", o.warmup_windows);
  o.max_degradation = j.value("max_degradation", o.max_degradation);
  o.max_p99_rise = j.value("max_p99_rise", o.max_p99_rise);
  o.max_error_rate = j.value("max_error_rate", o.max_error_rate);
  o.max_rss_per_mreq = j.value("max_rss_per_mreq", o.max_rss_per_mreq);
  if (j.contains("slos") && j["slos"].is_array()) {
    for (const auto& text : j["slos"]) {
      if (!text.is_string()) continue;
      auto slo = parse_slo(text.get<std::string>());
      if (auto* s = std::get_if<Slo>(&slo)) o.slos.push_back(*s);
    }
  }
  return o;
}

}  // namespace vigil::harness::load
