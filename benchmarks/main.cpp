#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_defects.hpp"

namespace vigil::bench {
namespace {
framework::DefectSet g_defects;
}  // namespace

const framework::DefectSet& active_defects() { return g_defects; }

}  // namespace vigil::bench

namespace {

// Removes Vigil's own flags from argv before Google Benchmark sees them.
// Returns an exit code when the run should stop here, or -1 to go on.
int take_vigil_flags(int& argc, char** argv) {
  std::vector<std::string> names;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "--list-defects") == 0) {
      std::fputs(vigil::framework::format_defect_catalog().c_str(), stdout);
      return 0;
    }
    if (std::strcmp(arg, "--defect") == 0) {
      if (i + 1 == argc) {
        std::fputs("vigil-bench: --defect needs a NAME (see --list-defects)\n", stderr);
        return 2;
      }
      names.emplace_back(argv[++i]);
    } else if (std::strncmp(arg, "--defect=", 9) == 0) {
      names.emplace_back(arg + 9);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  std::string error;
  auto set = vigil::framework::DefectSet::parse(names, error);
  if (!set) {
    std::fprintf(stderr, "vigil-bench: %s\n", error.c_str());
    return 2;
  }
  vigil::bench::g_defects = *set;
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (int rc = take_vigil_flags(argc, argv); rc >= 0) return rc;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (!vigil::bench::active_defects().empty()) {
    std::string names;
    for (const auto& n : vigil::bench::active_defects().names()) names += " " + n;
    benchmark::AddCustomContext("vigil_defects", names.substr(1));
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
