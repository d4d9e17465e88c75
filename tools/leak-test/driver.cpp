// vigil-leak-driver: runs a synthetic scenario through the reference core in
// this process, calling vigil_cycle() after every cycle of requests.
// vigil-leak-test starts it under the preload library (in-process mode); it
// prints the core's final state as one JSON line on stdout.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "vigil/cycle.h"
#include "vigil/framework/defects.hpp"
#include "vigil/framework/scenario.hpp"

int main(int argc, char** argv) {
  using namespace vigil::framework;
  CLI::App app{"vigil-leak-driver: drive the reference core through request cycles (used by vigil-leak-test)"};
  std::string scenario_text = "api";
  std::size_t cycles = 100, requests_per_cycle = 200;
  std::uint64_t seed = 1;
  std::vector<std::string> defect_names;
  app.add_option("--scenario", scenario_text, "One of: " + scenario_names())->capture_default_str();
  app.add_option("--cycles", cycles, "Cycles, each followed by vigil_cycle()")->capture_default_str();
  app.add_option("--requests-per-cycle", requests_per_cycle, "Requests per cycle")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the request generator")->capture_default_str();
  app.add_option("--defect", defect_names, "Switch a defect on (repeatable)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "vigil-leak-driver: %s\n", e.what());
    return 2;
  }
  std::string error;
  const auto defects = DefectSet::parse(defect_names, error);
  const auto scenario = parse_scenario(scenario_text);
  if (!defects || !scenario) {
    std::fprintf(stderr, "vigil-leak-driver: %s\n",
                 defects ? fmt::format("unknown scenario '{}' (one of: {})", scenario_text, scenario_names()).c_str()
                         : error.c_str());
    return 2;
  }

  ScenarioState state;
  {
    ScenarioRunner runner(ScenarioOptions{.scenario = *scenario, .defects = *defects, .seed = seed});
    for (std::size_t c = 0; c < cycles; ++c) {
      runner.run(requests_per_cycle);
      vigil_cycle();
    }
    state = runner.state();
  }
  fmt::print(
      "{{\"requests\":{},\"status_2xx\":{},\"status_4xx\":{},\"status_5xx\":{},"
      "\"route_cache_entries\":{},\"arena_bytes_reserved\":{},\"history_entries\":{},"
      "\"connections\":{},\"batch_workers_started\":{},\"pool_acquires\":{},\"pool_reuses\":{}}}\n",
      state.requests, state.status_2xx, state.status_4xx, state.status_5xx, state.route_cache_entries,
      state.arena_bytes_reserved, state.history_entries, state.connections, state.batch_workers_started,
      state.pool_acquires, state.pool_reuses);
  return 0;
}
