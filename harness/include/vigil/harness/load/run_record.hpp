#pragma once
// The raw record of a load run, cut into windows of equal length: what the
// generator counted and what it sampled from /proc. Everything here merges
// exactly across generator threads and processes (counts add, histograms
// merge); the judgement (analysis.hpp) is made from it afterwards.

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/reports/histogram.hpp"

namespace vigil::harness::load {

enum class ErrorKind : std::uint8_t {
  Connect,           // connection refused, or not established in time
  Read,              // reset, or closed with requests unanswered
  Write,             // the request could not be written
  Timeout,           // no answer within --timeout
  Parse,             // a malformed response
  Status4xx,         // client-error status (when no --expect-status)
  Status5xx,         // server-error status (when no --expect-status)
  UnexpectedStatus,  // not the --expect-status
  UnexpectedBody,    // body without the --expect-body text
};
inline constexpr std::size_t kErrorKinds = 9;

// Stable names, used in reports: "connect", "read", ..., "unexpected_body".
std::string_view error_kind_name(ErrorKind kind);

// What the generator threads count in one window.
struct WindowCounts {
  std::uint64_t responses = 0;
  std::array<std::uint64_t, kErrorKinds> errors{};
  reports::Histogram latency;      // ns from the intended send time (corrected)
  reports::Histogram uncorrected;  // ns from the actual send time
  reports::Histogram send_lag;     // ns the generator was late (constant rate)

  void merge(const WindowCounts& other);
  std::uint64_t error_total() const;
  // Errors per attempt: errors / (responses + errors that got no response).
  double error_rate() const;
};

// A process's state over one window, sampled from /proc; NaN when unknown.
struct ProcessWindow {
  double rss_bytes = NAN;         // resident set size at the window's end
  double cpu_cores = NAN;         // CPU time used / window length (1 = one core busy)
  double run_queue_cores = NAN;   // time runnable but kept from a CPU by other work / window length
};

struct Window {
  double seconds = 0;  // length; the last window of a --requests run may be short
  WindowCounts counts;
  ProcessWindow server;
  // The generator's CPU use and wait as a share of the CPUs it may use.
  double generator_busy = NAN;
  double generator_waiting = NAN;
  // CPU time of a fixed piece of work at the window's end (machine_probe.hpp):
  // the machine's own speed.
  double machine_probe_ns = NAN;

  double throughput() const { return seconds > 0 ? static_cast<double>(counts.responses) / seconds : 0; }
};

struct RunRecord {
  std::int64_t start_unix_ns = 0;  // wall clock at the start of window 0
  std::int64_t window_ns = 0;
  std::vector<Window> windows;
  bool constant_rate = false;
  // Which server was sampled ("host pid N"); empty when none was. Generators
  // that sampled the same server merge its figures by mean, else by sum.
  std::string server_identity;
  std::uint32_t generators = 1;  // generator processes merged into this record

  double window_seconds() const { return static_cast<double>(window_ns) / 1e9; }
  bool server_sampled() const;
};

}  // namespace vigil::harness::load
