#include "vigil/profilers/count_report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace vigil::profilers {

namespace rp = vigil::reports;

namespace {
constexpr const char* kEstimatedCyclesFormula =
    "(Ir + Dr + Dw - L1 misses) + 5 (L1 misses - LL misses) + 35 LL misses";
}  // namespace

void add_count_metrics(rp::Report& report, const CountedCode& code) {
  const std::string prefix = "count." + code.name + ".";
  const EventCounts& c = code.counts;
  report.set_metric(prefix + "instructions", c[Event::Ir], "instructions", rp::Better::Lower);
  report.set_metric(prefix + "data_reads", c[Event::Dr], "reads", rp::Better::Lower);
  report.set_metric(prefix + "data_writes", c[Event::Dw], "writes", rp::Better::Lower);
  report.set_metric(prefix + "l1_misses", c.l1_misses(), "misses", rp::Better::Lower);
  report.set_metric(prefix + "ll_misses", c.ll_misses(), "misses", rp::Better::Lower);
  report.set_metric(prefix + "estimated_cycles", c.estimated_cycles(), "cycles", rp::Better::Lower);
  if (!code.functions.empty()) {
    rp::Breakdown b{"function", {}};
    for (const auto& f : code.functions) b.entries.push_back({f.function, f.module, f.file, f.instructions});
    report.breakdowns[prefix + "instructions"] = std::move(b);
  }
}

rp::Report count_report(const CountOptions& o, const CountResult& result) {
  rp::Report report = rp::make_report("count");
  nlohmann::json runs = nlohmann::json::object(), skipped = nlohmann::json::array();
  for (const auto& b : result.benchmarks) runs[b.name] = {b.base_iterations, b.iterations};
  for (const auto& s : result.skipped) skipped.push_back({{"benchmark", s.name}, {"reason", s.reason}});
  report.config = {
      {"command", o.command},
      {"filter", o.filter},
      {"iterations", o.iterations},
      {"per", "iteration"},
      {"runs_differenced", std::move(runs)},
      {"valgrind", result.valgrind},
      {"caches", {{"I1", kI1Cache}, {"D1", kD1Cache}, {"LL", kLLCache}}},
      {"mode", "benchmarks"},
      {"estimated_cycles", kEstimatedCyclesFormula},
      {"environment", o.environment},
      {"skipped", std::move(skipped)},
  };
  for (const auto& b : result.benchmarks) add_count_metrics(report, {b.name, b.per_iteration, b.functions});
  report.verdict = rp::Verdict::Pass;
  return report;
}

namespace {

// A figure with `decimals` decimals; a difference of two runs may leave
// -0.001, which reads as the 0 it is.
std::string figure(double v, int decimals) {
  std::string text = fmt::format("{:.{}f}", v, decimals);
  if (text.find_first_of("123456789") == std::string::npos && text.front() == '-') text.erase(0, 1);
  return text;
}

struct SummaryLine {
  const std::string& name;
  const EventCounts& counts;
  const std::vector<FunctionShare>& functions;
  std::string last_column;
};

std::string format_table(const std::string& first_header, const std::string& last_header,
                         const std::vector<SummaryLine>& lines, std::size_t top_functions) {
  std::size_t width = first_header.size();
  for (const auto& l : lines) width = std::max(width, l.name.size());
  std::string out = fmt::format("{:<{}}  {:>13}  {:>11}  {:>11}  {:>9}  {:>9}  {:>13}  {}\n", first_header, width,
                                "instructions", "data reads", "data writes", "L1 misses", "LL misses", "est. cycles",
                                last_header);
  for (const auto& l : lines) {
    const EventCounts& c = l.counts;
    out += fmt::format("{:<{}}  {:>13}  {:>11}  {:>11}  {:>9}  {:>9}  {:>13}  {}\n", l.name, width,
                       figure(c[Event::Ir], 1), figure(c[Event::Dr], 1), figure(c[Event::Dw], 1),
                       figure(c.l1_misses(), 2), figure(c.ll_misses(), 2), figure(c.estimated_cycles(), 1),
                       l.last_column);
    for (std::size_t i = 0; i < std::min(top_functions, l.functions.size()); ++i) {
      const auto& f = l.functions[i];
      out += fmt::format("    {:>10}  {} ({})\n", figure(f.instructions, 1), rp::short_name(f.function), f.module);
    }
  }
  return out;
}

}  // namespace

std::string format_count_summary(const CountResult& result, std::size_t top_functions) {
  std::vector<SummaryLine> lines;
  for (const auto& b : result.benchmarks) {
    lines.push_back({b.name, b.per_iteration, b.functions,
                     b.base_iterations > 0 ? fmt::format("{} - {}", b.iterations, b.base_iterations)
                                           : fmt::format("{} (one run)", b.iterations)});
  }
  std::string out = format_table("benchmark", "iterations", lines, top_functions);
  out += "per iteration: the run of more iterations less the run of fewer, over the difference in iterations\n";
  for (const auto& s : result.skipped) out += fmt::format("not counted: {}: {}\n", s.name, s.reason);
  return out;
}

std::string format_region_summary(const RegionResult& result, std::size_t top_functions) {
  std::vector<SummaryLine> lines;
  for (const auto& r : result.regions) {
    lines.push_back({r.name, r.per_execution, r.functions, std::to_string(r.executions)});
  }
  return format_table("region", "executions", lines, top_functions) + "per execution: the mean over all of them\n";
}

rp::Report region_report(const RegionOptions& o, const RegionResult& result) {
  rp::Report report = rp::make_report("count");
  nlohmann::json executions = nlohmann::json::object();
  for (const auto& r : result.regions) executions[r.name] = r.executions;
  report.config = {
      {"command", o.command},
      {"mode", "regions"},
      {"per", "execution"},
      {"executions", std::move(executions)},
      {"valgrind", result.valgrind},
      {"caches", {{"I1", kI1Cache}, {"D1", kD1Cache}, {"LL", kLLCache}}},
      {"estimated_cycles", kEstimatedCyclesFormula},
      {"environment", o.environment},
  };
  for (const auto& r : result.regions) add_count_metrics(report, {r.name, r.per_execution, r.functions});
  report.verdict = rp::Verdict::Pass;
  return report;
}

}  // namespace vigil::profilers
