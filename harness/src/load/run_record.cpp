#include "vigil/harness/load/run_record.hpp"

namespace vigil::harness::load {

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Connect: return "connect";
    case ErrorKind::Read: return "read";
    case ErrorKind::Write: return "write";
    case ErrorKind::Timeout: return "timeout";
    case ErrorKind::Parse: return "parse";
    case ErrorKind::Status4xx: return "status_4xx";
    case ErrorKind::Status5xx: return "status_5xx";
    case ErrorKind::UnexpectedStatus: return "unexpected_status";
    case ErrorKind::UnexpectedBody: return "unexpected_body";
  }
  return "unknown";
}

void WindowCounts::merge(const WindowCounts& other) {
  responses += other.responses;
  for (std::size_t i = 0; i < kErrorKinds; ++i) errors[i] += other.errors[i];
  latency.merge(other.latency);
  uncorrected.merge(other.uncorrected);
  send_lag.merge(other.send_lag);
}

std::uint64_t WindowCounts::error_total() const {
  std::uint64_t n = 0;
  for (auto e : errors) n += e;
  return n;
}

double WindowCounts::error_rate() const {
  // Errors on a response (status, body) are among the responses already.
  std::uint64_t without_response = 0;
  for (ErrorKind k : {ErrorKind::Connect, ErrorKind::Read, ErrorKind::Write, ErrorKind::Timeout, ErrorKind::Parse}) {
    without_response += errors[static_cast<std::size_t>(k)];
  }
  const double attempts = static_cast<double>(responses + without_response);
  return attempts == 0 ? 0.0 : static_cast<double>(error_total()) / attempts;
}

bool RunRecord::server_sampled() const {
  for (const auto& w : windows) {
    if (!std::isnan(w.server.rss_bytes)) return true;
  }
  return false;
}

}  // namespace vigil::harness::load
