// vigil-route-cache: route-cache latency and hit rate under access patterns,
// and every cached answer checked against the uncached router.

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "vigil/framework/routing/route_table.hpp"
#include "vigil/harness/data_files.hpp"
#include "vigil/harness/defect_flags.hpp"
#include "vigil/harness/progress.hpp"
#include "vigil/harness/route_cache_probe.hpp"
#include "vigil/harness/tool_cli.hpp"
#include "vigil/reports/report.hpp"
#include "vigil/reports/statistics.hpp"

namespace fw = vigil::framework;
namespace hn = vigil::harness;
namespace rp = vigil::reports;

namespace {

struct Options {
  std::string pattern = "all";
  std::string routes_file;
  std::string paths_file;
  std::size_t paths_per_route = 50;
  double min_hit_rate = 0.8;
  bool collide = false;
  bool explain = false;
};

struct Run {
  hn::PatternResult result;
  double cached_p50, cached_p99, uncached_p50;
};

constexpr const char* kTool = "vigil-route-cache";

rp::Report build_report(const Options& o, const hn::ProbeConfig& config, std::size_t routes,
                        std::size_t requests, const std::vector<Run>& runs,
                        const std::vector<hn::ProbeFinding>& findings) {
  rp::Report report = rp::make_report("route-cache");
  report.config = {{"pattern", o.pattern},
                   {"routes_file", o.routes_file},
                   {"paths_file", o.paths_file},
                   {"routes", routes},
                   {"requests", requests},
                   {"capacity", config.capacity},
                   {"lookups", config.lookups},
                   {"seed", config.seed},
                   {"collide", o.collide},
                   {"min_hit_rate", o.min_hit_rate},
                   {"defects", config.defects.names()}};
  std::uint64_t wrong = 0;
  std::size_t max_size = 0;
  for (const auto& run : runs) {
    const auto& r = run.result;
    const std::string prefix = fmt::format("route_cache.{}.", hn::to_string(r.pattern));
    report.set_metric(prefix + "hit_rate", r.hit_rate, "ratio", rp::Better::Higher);
    report.set_metric(prefix + "lookup_p50_ns", run.cached_p50, "ns", rp::Better::Lower);
    report.set_metric(prefix + "lookup_p99_ns", run.cached_p99, "ns", rp::Better::Lower);
    report.set_metric(prefix + "uncached_p50_ns", run.uncached_p50, "ns", rp::Better::Lower);
    report.set_metric(prefix + "evictions", static_cast<double>(r.evictions), "entries", rp::Better::None);
    report.set_metric(prefix + "max_size", static_cast<double>(r.max_size), "entries", rp::Better::Lower);
    report.set_metric(prefix + "wrong_answers", static_cast<double>(r.wrong_answers), "answers", rp::Better::Lower);
    report.series[prefix + "size"] = rp::Series{"lookup", "entries", r.size_over_time};
    wrong += r.wrong_answers;
    max_size = std::max(max_size, r.max_size);
  }
  report.set_metric("route_cache.wrong_answers", static_cast<double>(wrong), "answers", rp::Better::Lower);
  report.set_metric("route_cache.max_size", static_cast<double>(max_size), "entries", rp::Better::Lower);
  for (const auto& f : findings) {
    rp::Finding finding;
    finding.kind = f.kind;
    finding.severity = f.severity;
    finding.message = f.message;
    finding.count = f.count;
    report.add_finding(std::move(finding));
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    for (const auto& e : runs[i].result.wrong_examples) {
      for (auto& f : report.findings) {
        if (f.kind != "wrong-answer" || !f.message.starts_with(hn::to_string(runs[i].result.pattern))) continue;
        f.extra["examples"].push_back({{"request", e.request}, {"expected", e.expected}, {"got", e.got}});
      }
    }
  }
  report.verdict = report.has_error_findings() ? rp::Verdict::Fail : rp::Verdict::Pass;
  return report;
}

void print_summary(const hn::ProbeConfig& config, const std::vector<Run>& runs, const rp::Report& report) {
  fmt::print("{:<11} {:>8} {:>11} {:>11} {:>13} {:>9} {:>7}\n", "pattern", "hit rate", "p50 ns",
             "p99 ns", "uncached p50", "max size", "wrong");
  for (const auto& run : runs) {
    const auto& r = run.result;
    fmt::print("{:<11} {:>8.3f} {:>11.1f} {:>11.1f} {:>13.1f} {:>9} {:>7}\n", hn::to_string(r.pattern),
               r.hit_rate, run.cached_p50, run.cached_p99, run.uncached_p50, r.max_size, r.wrong_answers);
  }
  fmt::print("capacity {}, {} lookups per pattern\n", config.capacity, config.lookups);
  fmt::print("{}", hn::format_findings(report.findings,
                                       "every cached answer matched the router, size stayed within capacity"));
}

// The requests to look up: generated from the routes, or read from --paths.
std::optional<int> load_requests(const Options& o, const fw::Router& router, std::vector<hn::ProbeRequest>& requests) {
  if (o.paths_file.empty()) {
    requests = hn::requests_for_routes(router, o.paths_per_route);
    return std::nullopt;
  }
  const auto paths = fw::load_route_table(o.paths_file);
  if (!paths.ok()) return hn::bad_input(kTool, paths.error);
  requests = hn::requests_from_table(paths.lines);
  if (requests.empty()) return hn::bad_input(kTool, fmt::format("{}: no requests", o.paths_file));
  return std::nullopt;
}

std::optional<int> load_router(const Options& o, fw::Router& router) {
  const auto table = fw::load_route_table(o.routes_file);
  if (!table.ok()) return hn::bad_input(kTool, table.error);
  if (auto refused = fw::add_routes(router, table.lines)) {
    return hn::bad_input(kTool, fmt::format("{}: {}", o.routes_file, *refused));
  }
  if (router.size() == 0) return hn::bad_input(kTool, fmt::format("{}: no routes", o.routes_file));
  return std::nullopt;
}

std::vector<hn::AccessPattern> patterns_for(const std::string& name) {
  if (name == "all") return {hn::all_access_patterns().begin(), hn::all_access_patterns().end()};
  return {*hn::parse_access_pattern(name)};
}

// One run per pattern, each with a fresh cache; the findings of all runs.
std::vector<Run> run_patterns(const fw::Router& router, const std::vector<hn::ProbeRequest>& requests,
                              const std::vector<hn::AccessPattern>& patterns, hn::ProbeConfig& config,
                              double min_hit_rate, std::vector<hn::ProbeFinding>& findings) {
  std::vector<Run> runs;
  hn::ProgressBar bar("route-cache", config.lookups * patterns.size());
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    config.progress = [&bar, &config, i](std::uint64_t done) { bar.update(i * config.lookups + done); };
    Run run{hn::run_probe(router, requests, patterns[i], config), 0, 0, 0};
    run.cached_p50 = rp::percentile(run.result.cached_ns, 50);
    run.cached_p99 = rp::percentile(run.result.cached_ns, 99);
    run.uncached_p50 = rp::percentile(run.result.uncached_ns, 50);
    for (auto& f : hn::evaluate_probe(run.result, config.capacity, min_hit_rate)) findings.push_back(std::move(f));
    runs.push_back(std::move(run));
  }
  bar.finish();
  return runs;
}

void add_options(CLI::App& app, Options& o, hn::ProbeConfig& config) {
  app.add_option("--pattern", o.pattern, "sequential, random, hotspot, zipf or all")
      ->check(CLI::IsMember({"sequential", "random", "hotspot", "zipf", "all"}));
  app.add_option("--routes", o.routes_file, "route table, METHOD PATTERN per line (default: the GitHub API set)");
  app.add_option("--paths", o.paths_file, "requests, METHOD PATH per line (default: generated from the routes)");
  hn::whole_number(app.add_option("--paths-per-route", o.paths_per_route, "distinct requests generated per route"), 1,
                   1'000'000);
  hn::whole_number(app.add_option("--capacity", config.capacity, "cache capacity (entries; 0: no caching)"), 0,
                   100'000'000);
  hn::whole_number(app.add_option("--lookups", config.lookups, "lookups per pattern"), 1, 1'000'000'000);
  hn::whole_number(app.add_option("--seed", config.seed, "seed of the access sequences"), 0,
                   std::numeric_limits<decltype(config.seed)>::max());
  app.add_flag("--collide", o.collide, "use a 64-value hash so that keys collide constantly");
  hn::real_number(app.add_option("--min-hit-rate", o.min_hit_rate, "minimum hit rate of the hotspot pattern"), 0.0,
                  1.0);
  app.add_flag("--explain", o.explain, "print the route and parameters each request matches, then exit");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigil-route-cache: route-cache latency and hit rate under access patterns, "
               "every cached answer checked against the router"};
  Options o;
  hn::ProbeConfig config;
  hn::DefectFlags defect_flags;
  std::string json_path;
  add_options(app, o, config);
  defect_flags.add_to(app);
  app.add_option("--json", json_path, "write the vigil.report/1 report to FILE");
  if (auto exit = hn::parse_command_line(app, argc, argv, kTool)) return *exit;
  if (auto exit = defect_flags.resolve(kTool, config.defects)) return *exit;
  if (o.collide) config.hash = hn::collision_prone_route_cache_hash;
  if (o.routes_file.empty()) o.routes_file = hn::github_api_routes_file().string();

  fw::Router router;
  if (auto exit = load_router(o, router)) return *exit;
  std::vector<hn::ProbeRequest> requests;
  if (auto exit = load_requests(o, router, requests)) return *exit;
  if (o.explain) {
    for (const auto& r : requests) fmt::print("{}\n", hn::explain_request(router, r));
    return rp::kExitClean;
  }

  std::vector<hn::ProbeFinding> findings;
  const std::vector<Run> runs = run_patterns(router, requests, patterns_for(o.pattern), config, o.min_hit_rate, findings);
  const rp::Report report = build_report(o, config, router.size(), requests.size(), runs, findings);
  print_summary(config, runs, report);
  return hn::write_report_and_exit_code(report, json_path, kTool);
}
