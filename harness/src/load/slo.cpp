#include "vigil/harness/load/slo.hpp"

#include <chrono>

#include <fmt/format.h>

#include "vigil/harness/load/quantity.hpp"

namespace vigil::harness::load {

double Slo::measure(const WindowCounts& counts, double seconds) const {
  switch (kind) {
    case Kind::Latency: return counts.latency.percentile(percentile);
    case Kind::ErrorRate: return counts.error_rate();
    case Kind::Throughput: return seconds > 0 ? static_cast<double>(counts.responses) / seconds : 0;
  }
  return 0;
}

bool Slo::met(double measured) const { return kind == Kind::Throughput ? measured >= limit : measured <= limit; }

std::string Slo::format(double measured) const {
  switch (kind) {
    case Kind::Latency: return format_duration(std::chrono::nanoseconds(static_cast<std::int64_t>(measured)));
    case Kind::ErrorRate: return fmt::format("{:.3g}%", measured * 100);
    case Kind::Throughput: return fmt::format("{:.0f} req/s", measured);
  }
  return {};
}

std::string Slo::describe() const {
  switch (kind) {
    case Kind::Latency:
      return fmt::format("{} <= {}", percentile >= 100 ? std::string("max") : fmt::format("p{:g}", percentile),
                         format(limit));
    case Kind::ErrorRate: return fmt::format("error rate <= {}", format(limit));
    case Kind::Throughput: return fmt::format("throughput >= {}", format(limit));
  }
  return text;
}

std::variant<Slo, std::string> parse_slo(std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return fmt::format("SLO \"{}\" is not NAME=VALUE (p50, p90, p99, p99.9, max, error_rate, rps)", text);
  }
  const std::string_view name = text.substr(0, eq), value = text.substr(eq + 1);
  Slo slo;
  slo.text = std::string(text);
  if (name == "error_rate") {
    auto share = parse_share(value, 1.0);
    if (auto* reason = std::get_if<std::string>(&share)) return fmt::format("SLO \"{}\": {}", text, *reason);
    slo.kind = Slo::Kind::ErrorRate;
    slo.limit = std::get<double>(share);
    return slo;
  }
  if (name == "rps") {
    auto rate = parse_number(value, 0, 1e9);
    if (auto* reason = std::get_if<std::string>(&rate)) return fmt::format("SLO \"{}\": {}", text, *reason);
    slo.kind = Slo::Kind::Throughput;
    slo.limit = std::get<double>(rate);
    return slo;
  }
  if (name == "max") {
    slo.percentile = 100;
  } else if (name == "p50" || name == "p90" || name == "p99" || name == "p99.9" || name == "p999") {
    slo.percentile = name == "p999" ? 99.9 : std::stod(std::string(name.substr(1)));
  } else {
    return fmt::format("unknown SLO \"{}\" (p50, p90, p99, p99.9, max, error_rate, rps)", name);
  }
  auto limit = parse_duration(value, std::chrono::nanoseconds(1), std::chrono::hours(1));
  if (auto* reason = std::get_if<std::string>(&limit)) return fmt::format("SLO \"{}\": {}", text, *reason);
  slo.limit = static_cast<double>(std::get<std::chrono::nanoseconds>(limit).count());
  return slo;
}

}  // namespace vigil::harness::load
