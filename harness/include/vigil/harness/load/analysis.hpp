#pragma once
// The judgement of a load run: after the warm-up windows, does the server get
// slower or bigger as it serves requests? Each trend is the Theil-Sen slope
// of one value per window, confirmed by the Mann-Kendall test; a change is
// the median of the last quarter of the judged windows against the median of
// the first quarter. A finding needs both: a change beyond its threshold and
// a trend the test confirms, so neither one noisy window nor a slow drift
// inside the noise is reported.
//
// Speed is judged only on a machine that leaves the server and the
// generator their CPUs: when either waits long for a CPU (schedstat), or
// waits more at the end than at the start, a slowdown is the machine's as
// much as the server's, and is a warning, not a degradation. A generator at
// its CPU limit or late on its schedule is a warning too, so a slow
// generator is never mistaken for a slow server. Memory growth per request
// does not depend on CPU time and is judged on any machine.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "vigil/harness/load/run_record.hpp"
#include "vigil/harness/load/slo.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::harness::load {

struct JudgeOptions {
  std::size_t warmup_windows = 1;   // leading windows left out of every judgement
  double max_degradation = 0.05;    // throughput drop (share) beyond which a confirmed trend fails
  double max_p99_rise = 0.25;       // p99 rise (share) beyond which a confirmed trend fails
  double max_error_rate = 0.001;    // errors per attempt over the judged windows
  // Mann-Kendall |z| confirming a speed trend. Not the textbook 2.58
  // (one-sided p 0.005 for independent windows): a VM's speed drifts from
  // window to window, and clean default runs here reached |z| 3.18-3.71
  // before the machine probe judged such drifts; the server that polls its
  // leaked workers read 3.86-5.15. More windows (--windows) reach higher z
  // for the same trend.
  double min_trend_z = 3.0;
  double min_rss_trend_z = 3.0;     // the same for memory, which moves in pages
  double max_rss_per_mreq = 1 << 20;  // bytes per million requests a steady growth must exceed
  double min_rss_growth = 1 << 20;  // bytes it must grow over the judged windows
  double generator_busy_limit = 0.95;  // share of its CPUs at which the generator is saturated
  double max_send_lag_ns = 1e6;     // p99 lateness of the send schedule (constant rate)
  double busy_machine_wait = 0.25;  // waiting for a CPU (cores, or share) that marks a shared machine
  std::vector<Slo> slos;
};

struct Trend {
  std::size_t points = 0;
  double first = 0;       // median of the first quarter of the judged windows
  double last = 0;        // median of the last quarter
  double change_pct = 0;  // (last - first) / first, in percent
  double slope = 0;       // Theil-Sen, per window
  double z = 0;           // Mann-Kendall

  bool rising(double min_z) const { return z >= min_z; }
  bool falling(double min_z) const { return z <= -min_z; }
};

Trend trend_of(const std::vector<double>& ys);

struct SloOutcome {
  Slo slo;
  double overall = 0;
  std::size_t windows_broken = 0;
  std::size_t worst_window = 0;  // index into the record's windows
  double worst = 0;
  bool met() const { return windows_broken == 0 && slo.met(overall); }
};

struct Analysis {
  std::size_t first_judged = 0;  // windows before it are warm-up
  std::size_t judged = 0;
  WindowCounts overall;          // the judged windows together
  WindowCounts whole;            // every window, warm-up included: errors count from the start
  double seconds = 0;            // their length together
  double throughput_rps = 0;
  Trend throughput, p99;
  std::optional<Trend> rss, server_cpu_per_request, server_wait_trend, generator_wait_trend;
  std::optional<Trend> machine_probe;  // CPU time of the fixed probe work, per window
  double rss_slope_bytes_per_s = 0;
  double rss_bytes_per_mreq = 0;
  double generator_busy = 0;  // median share of its CPUs over the judged windows
  // Medians over the judged windows of the time spent runnable but waiting
  // for a CPU: the server's in cores, the generator's as a share of its CPUs.
  double server_waiting_cores = NAN;
  double generator_waiting = NAN;
  std::vector<SloOutcome> slos;
  std::vector<reports::Finding> findings;

  double degradation_pct() const { return -throughput.change_pct; }
  double p99_rise_pct() const { return p99.change_pct; }
  bool failed() const;
};

Analysis analyze(const RunRecord& run, const JudgeOptions& options);

}  // namespace vigil::harness::load
