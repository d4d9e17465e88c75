#pragma once
// Service-level objectives as the seeds state them, e.g. "p99=50ms",
// "error_rate=0.1%", "rps=1000": a latency percentile at most a duration
// (p50, p90, p99, p99.9, max), an error rate at most a share, a throughput
// at least a rate. Checked on every judged window and on the run overall.

#include <string>
#include <string_view>
#include <variant>

#include "vigil/harness/load/run_record.hpp"

namespace vigil::harness::load {

struct Slo {
  enum class Kind { Latency, ErrorRate, Throughput };
  Kind kind = Kind::Latency;
  double percentile = 99;  // Latency: 100 for max
  double limit = 0;        // Latency: ns (at most); ErrorRate: share (at most); Throughput: req/s (at least)
  std::string text;        // as given

  // The measured value in the SLO's own unit (ns, share, req/s).
  double measure(const WindowCounts& counts, double seconds) const;
  bool met(double measured) const;
  // e.g. "p99 <= 50 ms", "error rate <= 0.1%", "throughput >= 1000 req/s".
  std::string describe() const;
  // A measured value in the SLO's unit for people, e.g. "81.2 ms".
  std::string format(double measured) const;
};

std::variant<Slo, std::string> parse_slo(std::string_view text);

}  // namespace vigil::harness::load
