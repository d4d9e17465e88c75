// vigil-leak-driver: runs a synthetic scenario through the reference service
// in this process, calling vigil_cycle() after every cycle of requests.
// vigil-leak-test starts it under the preload library (in-process mode); it
// prints the core's final state as one JSON line on stdout.
#include <limits>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "vigil/cycle.h"
#include "vigil/harness/defect_flags.hpp"
#include "vigil/harness/scenario.hpp"
#include "vigil/harness/tool_cli.hpp"

namespace {

void print_state(const vigil::harness::ScenarioState& state) {
  fmt::print(
      "{{\"requests\":{},\"status_2xx\":{},\"status_4xx\":{},\"status_5xx\":{},"
      "\"route_cache_entries\":{},\"arena_bytes_reserved\":{},\"history_entries\":{},"
      "\"connections\":{},\"batch_workers_started\":{},\"pool_acquires\":{},\"pool_reuses\":{}}}\n",
      state.requests, state.status_2xx, state.status_4xx, state.status_5xx, state.route_cache_entries,
      state.arena_bytes_reserved, state.history_entries, state.connections, state.batch_workers_started,
      state.pool_acquires, state.pool_reuses);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vigil::harness;
  constexpr const char* kTool = "vigil-leak-driver";
  CLI::App app{"vigil-leak-driver: drive the reference core through request cycles (used by vigil-leak-test)"};
  std::string scenario_text = "api";
  std::size_t cycles = 100, requests_per_cycle = 200;
  ScenarioOptions options;
  DefectFlags defect_flags;
  app.add_option("--scenario", scenario_text, "One of: " + scenario_names())->capture_default_str();
  whole_number(app.add_option("--cycles", cycles, "Cycles, each followed by vigil_cycle()"), 1, 20'000'000)
      ->capture_default_str();
  whole_number(app.add_option("--requests-per-cycle", requests_per_cycle, "Requests per cycle"), 1, 100'000'000)
      ->capture_default_str();
  whole_number(app.add_option("--seed", options.seed, "Seed of the request generator"), 0,
               std::numeric_limits<decltype(options.seed)>::max())
      ->capture_default_str();
  defect_flags.add_to(app);
  if (auto exit = parse_command_line(app, argc, argv, kTool)) return *exit;
  if (auto exit = defect_flags.resolve(kTool, options.defects)) return *exit;
  const auto scenario = parse_scenario(scenario_text);
  if (!scenario) {
    return bad_input(kTool, fmt::format("unknown scenario '{}' (one of: {})", scenario_text, scenario_names()));
  }
  options.scenario = *scenario;

  ScenarioState state;
  {
    ScenarioRunner runner(options);
    for (std::size_t c = 0; c < cycles; ++c) {
      runner.run(requests_per_cycle);
      vigil_cycle();
    }
    state = runner.state();
  }
  print_state(state);
  return 0;
}
