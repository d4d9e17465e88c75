// vigil-count: instructions, cache misses and estimated cycles per iteration
// of a Google Benchmark binary's measured loops (or per execution of the
// regions a program marks with <vigil/count.h>), under Valgrind: counts that
// do not move with load, for a CI gate.

#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "vigil/profilers/benchmark_count.hpp"
#include "vigil/profilers/count_report.hpp"
#include "vigil/profilers/fixed_run.hpp"
#include "vigil/profilers/region_count.hpp"
#include "vigil/harness/progress.hpp"
#include "vigil/harness/tool_cli.hpp"

namespace pr = vigil::profilers;
namespace hn = vigil::harness;

namespace {

// Ctrl-C, SIGTERM (e.g. from timeout(1)): stop the programs under Valgrind,
// remove the run folders, exit 2 with one line.
void on_signal(int) { pr::interrupt_fixed_runs(); }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &action, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* kTool = "vigil-count";
  CLI::App app{
      "vigil-count: what one iteration of each benchmark of a Google Benchmark binary costs, counted under "
      "Valgrind (vigil-count [options] -- BENCH [ARGS...]); with --regions, what each region a program marks "
      "with <vigil/count.h> costs (vigil-count --regions [options] -- PROG [ARGS...])."};
  pr::CountOptions options;
  bool regions = false;
  unsigned timeout = 600;
  std::size_t functions = 0;
  std::string json_path;
  app.add_option("--json", json_path, "write the vigil.report/1 report to FILE");
  app.add_option("--filter", options.filter, "regex: count only the benchmarks it matches (default: all)");
  hn::whole_number(app.add_option("--iterations", options.iterations,
                                  "iterations of the run counted, a power of ten (10..100000000); a run of a tenth "
                                  "as many is subtracted from it"),
                   10, 100'000'000)
      ->capture_default_str();
  hn::whole_number(app.add_option("--jobs", options.jobs, "benchmarks counted at once (1..64)"), 1, 64)
      ->capture_default_str();
  hn::whole_number(
      app.add_option("--timeout", timeout, "seconds one benchmark (or the program) may take under Valgrind (1..86400)"),
      1, 86'400)
      ->capture_default_str();
  app.add_option("--env", options.environment,
                 "NAME=VALUE in the benchmark's environment (repeatable); nothing else is passed on");
  hn::whole_number(
      app.add_option("--functions", functions, "functions shown per benchmark in the summary, largest first (0..50)"),
      0, 50)
      ->capture_default_str();
  app.add_flag("--regions", regions, "count the regions the program marks with <vigil/count.h> instead");
  app.add_option("command", options.command, "BENCH [ARGS...] (after --)");
  if (auto exit = hn::parse_command_line(app, argc, argv, kTool, "(see --help)")) return *exit;
  options.timeout = std::chrono::seconds(timeout);
  for (const auto& e : options.environment) {
    if (e.find('=') == std::string::npos || e.front() == '=') {
      return hn::bad_input(kTool, fmt::format("--env: expected NAME=VALUE, got \"{}\"", e));
    }
  }

  install_signal_handlers();
  try {
    if (regions) {
      if (!options.filter.empty()) return hn::bad_input(kTool, "--filter: benchmarks only, not with --regions");
      const pr::RegionOptions region_options{options.command, options.timeout, options.environment};
      const pr::RegionResult result = pr::count_regions(region_options);
      fmt::print("{}", pr::format_region_summary(result, functions));
      return hn::write_report_and_exit_code(pr::region_report(region_options, result), json_path, kTool);
    }
    pr::check_iterations(options.iterations);
    hn::ProgressBar bar("count", 1000);
    const pr::CountResult result = pr::count_benchmarks(options, [&](std::size_t done, std::size_t total) {
      bar.update(total == 0 ? 1000 : done * 1000 / total);
    });
    bar.finish();
    fmt::print("{}", pr::format_count_summary(result, functions));
    return hn::write_report_and_exit_code(pr::count_report(options, result), json_path, kTool);
  } catch (const pr::CountError& e) {
    return hn::bad_input(kTool, e.what());
  }
}
