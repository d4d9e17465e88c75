#include <fmt/format.h>

#include <benchmark/benchmark.h>

#include "core_options.hpp"
#include "vigil/harness/defect_flags.hpp"

namespace vigil::bench {

framework::AppOptions g_options;

const framework::AppOptions& core_options() { return g_options; }

}  // namespace vigil::bench

int main(int argc, char** argv) {
  // Vigil's own flags come out of argv before Google Benchmark sees it.
  vigil::harness::DefectFlags defect_flags;
  vigil::harness::DefectSet defects;
  if (auto exit = defect_flags.take_from(argc, argv, "vigil-bench", defects)) return *exit;
  vigil::bench::g_options = vigil::harness::apply_defects(defects);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (!defects.empty()) benchmark::AddCustomContext("vigil_defects", fmt::format("{}", fmt::join(defects.names(), " ")));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
