// vigil-leak-test: finds leaks by growth over cycles, in the reference core
// (in-process mode) or in any program (`vigil-leak-test [opts] -- CMD ARGS...`).
#include <cstdio>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "leak_test.hpp"
#include "vigil/framework/defects.hpp"
#include "vigil/framework/scenario.hpp"
#include "vigil/reports/report.hpp"

int main(int argc, char** argv) {
  using vigil::reports::kExitBadInput;
  vigil::leaktest::Options o;
  CLI::App app{
      "vigil-leak-test: find memory and thread leaks by their growth over cycles.\n"
      "In-process mode drives the reference core through request cycles; external mode\n"
      "(vigil-leak-test [options] -- CMD ARGS...) runs a program under the preload library."};
  bool list_defects = false;
  std::size_t interval_ms = static_cast<std::size_t>(o.interval.count());
  app.add_option("--cycles", o.cycles, "Measured cycles (in-process mode)")->capture_default_str();
  app.add_option("--requests-per-cycle", o.requests_per_cycle, "Requests per cycle (in-process mode)")
      ->capture_default_str();
  app.add_option("--scenario", o.scenario, "Workload: " + vigil::framework::scenario_names())
      ->capture_default_str();
  app.add_option("--warmup", o.warmup, "Leading cycles (snapshots) left out of the growth analysis")
      ->capture_default_str();
  app.add_option("--defect", o.defects, "Switch a defect of the core on (repeatable; in-process mode)");
  app.add_flag("--list-defects", list_defects, "List the defect catalog and exit");
  app.add_option("--interval", interval_ms,
                 "Snapshot period in ms while the program never calls vigil_cycle() (0 = none)")
      ->capture_default_str();
  app.add_option("--depth", o.depth, "Frames per allocation stack (1..128)")->capture_default_str();
  app.add_option("--sample-bytes", o.sample_bytes,
                 "Sample allocations, one per N bytes on average (0 = track every allocation)")
      ->capture_default_str();
  app.add_option("--json", o.json, "Write the vigil.report/1 report to FILE");
  app.add_option("--folded", o.folded, "Write live bytes per stack (folded, for flame graphs) to FILE");
  app.add_option("--top", o.top, "Growing sites shown in the summary")->capture_default_str();
  app.add_option("command", o.command, "Program to run under the preload (after --)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "vigil-leak-test: %s\n", e.what());
    return kExitBadInput;
  }
  if (list_defects) {
    std::cout << vigil::framework::format_defect_catalog();
    return 0;
  }
  o.interval = std::chrono::milliseconds(interval_ms);
  try {
    return vigil::leaktest::run(o);
  } catch (const vigil::leaktest::UsageError& e) {
    std::fprintf(stderr, "vigil-leak-test: %s\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vigil-leak-test: %s\n", e.what());
    return kExitBadInput;
  }
}
