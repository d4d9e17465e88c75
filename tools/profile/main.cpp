// vigil-profile: where a program's CPU time goes (sampling profiler), for any
// program (`vigil-profile [options] -- CMD ARGS...`) or the reference core
// in-process (`vigil-profile --scenario NAME`).
#include <exception>

#include <CLI/CLI.hpp>

#include "profile_run.hpp"
#include "vigil/harness/defect_flags.hpp"
#include "vigil/harness/scenario.hpp"
#include "vigil/harness/tool_cli.hpp"

int main(int argc, char** argv) {
  constexpr const char* kTool = "vigil-profile";
  vigil::profiletool::Options o;
  CLI::App app{
      "vigil-profile: sampling CPU profiler. Profiles a program and every program it execs\n"
      "(vigil-profile [options] -- CMD ARGS...) through the preload library, or the reference\n"
      "core in-process (--scenario NAME)."};
  vigil::harness::DefectFlags defect_flags;
  app.add_option("--hz", o.hz, "Samples per CPU-second of each thread (1..10000)")->capture_default_str();
  app.add_option("--scenario", o.scenario, "Profile the reference core in-process: " + vigil::harness::scenario_names());
  app.add_option("--requests", o.requests, "Requests the scenario handles (in-process mode)")->capture_default_str();
  defect_flags.add_to(app, {"Switch a defect of the core on (repeatable; in-process mode)",
                            "List the defect catalog and exit"});
  app.add_option("--json", o.json, "Write the vigil.report/1 report to FILE");
  app.add_option("--folded", o.folded, "Write folded stacks (flamegraph.pl, speedscope) to FILE");
  app.add_option("--pprof", o.pprof, "Write pprof's gzipped profile.proto to FILE");
  app.add_option("--html", o.html, "Write an interactive flame graph (self-contained HTML) to FILE");
  app.add_option("--top", o.top, "Functions shown in the summary and kept as share metrics (1..1000)")
      ->capture_default_str();
  app.add_option("command", o.command, "Program to profile (after --)");
  if (auto exit = vigil::harness::parse_command_line(app, argc, argv, kTool)) return *exit;
  if (auto exit = defect_flags.resolve(kTool, o.defects)) return *exit;
  try {
    return vigil::profiletool::run(o);
  } catch (const std::exception& e) {  // UsageError and any other failure to run
    return vigil::harness::bad_input(kTool, e.what());
  }
}
