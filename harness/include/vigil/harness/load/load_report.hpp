#pragma once
// A load run as a vigil.report/1 report, and back. The report carries the raw
// record (per-window counts as series, per-window latency histograms in
// "histograms") beside the judgement (metrics, findings), so that
// `vigil-report merge` can add up the runs of several generators and judge
// the sum as if one generator had made it.
//
// Metric names (stable): load.throughput_rps, load.requests, load.errors,
// load.error_rate, load.errors.<kind>, load.latency_{p50,p90,p99,p999,max}_ms,
// load.degradation_pct, load.throughput_trend_z, load.throughput_slope_rps_per_s,
// load.p99_rise_pct, load.p99_trend_z, load.generator_busy_pct,
// load.generator_waiting_pct; with a constant rate
// load.uncorrected_latency_p99_ms and load.send_lag_p99_ms; with a sampled
// server load.rss_slope_bytes_per_s, load.rss_bytes_per_mreq,
// load.rss_trend_z, load.server_rss_bytes, load.server_cpu_cores,
// load.server_cpu_us_per_req, load.server_run_queue_cores; with SLOs
// load.slo_broken. Counts (requests, errors) cover the whole run; speeds and
// trends the windows after warm-up.

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "vigil/harness/load/analysis.hpp"
#include "vigil/harness/load/run_record.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::harness::load {

// `config` is the run's configuration as given (it goes to the report as is,
// with the record's timing and the judge's thresholds added); `profiles`
// the server's CPU profiles by window (vigil-load --profile: "first_window",
// "last_window"), which `vigil-report diff` and the HTML flame graphs read.
reports::Report make_load_report(const RunRecord& run, const Analysis& analysis, const JudgeOptions& judge,
                                 nlohmann::json config, std::map<std::string, reports::Profile> profiles = {});

// The raw record of a load report; throws reports::ReportError when the
// report is not one vigil-load wrote.
RunRecord record_from_report(const reports::Report& report);
// The judge's thresholds as the report's config states them.
JudgeOptions judge_options_from_config(const nlohmann::json& config);

}  // namespace vigil::harness::load
