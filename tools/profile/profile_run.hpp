#pragma once
// vigil-profile's run: profile the user's command under the preload
// library in CPU mode (every process it becomes by exec, merged), or the
// reference core in-process; then the summary, the report and the
// profile files.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "vigil/harness/defects.hpp"

namespace vigil::profiletool {

// Bad usage or bad input: main prints what() on one line and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  std::vector<std::string> command;  // external mode when not empty
  std::optional<std::string> scenario;  // in-process mode
  harness::DefectSet defects;           // in-process mode only
  std::int64_t requests = 200000;       // in-process mode
  std::int64_t hz = 99;
  std::int64_t top = 10;
  std::optional<std::filesystem::path> json, folded, pprof, html;
};

// Runs the profile; returns the exit code (0 ran, 1 the target failed).
// Throws UsageError on bad usage or input.
int run(const Options& options);

}  // namespace vigil::profiletool
