// vigil-leak-test: finds leaks by growth over cycles, in the reference core
// (in-process mode) or in any program (`vigil-leak-test [opts] -- CMD ARGS...`).
#include <cstdint>
#include <exception>

#include <CLI/CLI.hpp>

#include "leak_test.hpp"
#include "vigil/harness/defect_flags.hpp"
#include "vigil/harness/scenario.hpp"
#include "vigil/harness/tool_cli.hpp"

int main(int argc, char** argv) {
  using vigil::harness::whole_number;
  constexpr const char* kTool = "vigil-leak-test";
  vigil::leaktest::Options o;
  CLI::App app{
      "vigil-leak-test: find memory and thread leaks by their growth over cycles.\n"
      "In-process mode drives the reference core through request cycles; external mode\n"
      "(vigil-leak-test [options] -- CMD ARGS...) runs a program under the preload library."};
  vigil::harness::DefectFlags defect_flags;
  std::size_t interval_ms = static_cast<std::size_t>(o.interval.count());
  whole_number(app.add_option("--cycles", o.cycles, "Measured cycles (in-process mode)"), 1, 10'000'000)
      ->capture_default_str();
  whole_number(app.add_option("--requests-per-cycle", o.requests_per_cycle, "Requests per cycle (in-process mode)"),
               1, 100'000'000)
      ->capture_default_str();
  app.add_option("--scenario", o.scenario, "Workload: " + vigil::harness::scenario_names())
      ->capture_default_str();
  whole_number(app.add_option("--warmup", o.warmup, "Leading cycles (snapshots) left out of the growth analysis"),
               0, 10'000'000)
      ->capture_default_str();
  defect_flags.add_to(app, {"Switch a defect of the core on (repeatable; in-process mode)",
                            "List the defect catalog and exit"});
  whole_number(app.add_option("--interval", interval_ms,
                              "Snapshot period in ms while the program never calls vigil_cycle() (0 = none)"),
               0, 86'400'000)
      ->capture_default_str();
  whole_number(app.add_option("--depth", o.depth, "Frames per allocation stack"), 1, 128)->capture_default_str();
  whole_number(app.add_option("--sample-bytes", o.sample_bytes,
                              "Sample allocations, one per N bytes on average (0 = track every allocation)"),
               0, std::uint64_t{1} << 40)
      ->capture_default_str();
  app.add_option("--json", o.json, "Write the vigil.report/1 report to FILE");
  app.add_option("--folded", o.folded, "Write live bytes per stack (folded, for flame graphs) to FILE");
  whole_number(app.add_option("--top", o.top, "Growing sites shown in the summary"), 0, 1'000'000)
      ->capture_default_str();
  app.add_option("command", o.command, "Program to run under the preload (after --)");
  if (auto exit = vigil::harness::parse_command_line(app, argc, argv, kTool)) return *exit;
  if (auto exit = defect_flags.resolve(kTool, o.defects)) return *exit;
  o.interval = std::chrono::milliseconds(interval_ms);
  try {
    return vigil::leaktest::run(o);
  } catch (const std::exception& e) {  // UsageError and any other failure to run
    return vigil::harness::bad_input(kTool, e.what());
  }
}
