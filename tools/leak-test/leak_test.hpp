#pragma once
// vigil-leak-test's run: start the target (the in-process driver, or the
// user's command) under the preload library, read its capture, judge growth,
// and write the summary, the report and the folded stacks.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "vigil/harness/defects.hpp"

namespace vigil::leaktest {

// Bad usage or bad input: main prints what() on one line and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  std::vector<std::string> command;  // external mode when not empty
  std::string scenario = "api";
  std::size_t cycles = 100;
  std::size_t requests_per_cycle = 200;
  std::size_t warmup = 5;
  harness::DefectSet defects;  // in-process mode only
  std::chrono::milliseconds interval{100};
  unsigned depth = 32;
  std::uint64_t sample_bytes = 0;
  std::optional<std::filesystem::path> json;
  std::optional<std::filesystem::path> folded;
  std::size_t top = 10;
};

// Runs the leak test; returns the exit code (0 clean, 1 leak or target
// failure). Throws UsageError on bad usage or input.
int run(const Options& options);

}  // namespace vigil::leaktest
