#pragma once
// Runs a program under the preload library (LD_PRELOAD=libvigil_preload.so).
//
// Where the .so is found, first hit wins:
//   1. RunOptions::preload_library when set;
//   2. env VIGIL_PRELOAD_LIBRARY when set;
//   3. next to the running executable (/proc/self/exe): <dir>/libvigil_preload.so,
//      then <dir>/../lib/libvigil_preload.so (installed layouts);
//   4. the build-tree path compiled in (VIGIL_PRELOAD_BUILD_PATH).
// Environment handed to the target (the preload's whole configuration):
//   VIGIL_OUTPUT        output folder for capture files (created if missing)
//   VIGIL_STACK_DEPTH   frames per allocation stack, default 32, 1..128
//   VIGIL_INTERVAL_MS   timer snapshot period while the program never calls
//                       vigil_cycle(); 0 = no timer; default 100
//   VIGIL_SAMPLE_BYTES  0 = exact (every allocation); N > 0 = Poisson sampling
//                       with a mean of N bytes between samples
//   VIGIL_UNWIND        "fp" (default: frame pointers in modules whose code
//                       keeps them, their unwind tables elsewhere) or
//                       "libunwind" (libunwind's unw_backtrace for every frame);
//                       taken from the launcher's own environment unless
//                       RunOptions::unwind says
//   VIGIL_PROFILE_HZ    CPU profile mode at N samples per CPU-second (1..10000)
//                       instead of allocation tracking; RunOptions::profile_hz
//                       (0 = off, always passed)
// An existing LD_PRELOAD is kept after ours.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vigil::profilers {

class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class UnwindMethod { FramePointer, Libunwind };

struct RunOptions {
  std::filesystem::path output_dir;             // required
  unsigned stack_depth = 32;
  std::chrono::milliseconds interval{100};      // 0 = no timer snapshots
  std::uint64_t sample_bytes = 0;               // 0 = exact mode
  std::optional<UnwindMethod> unwind;           // unset: $VIGIL_UNWIND, else FramePointer
  unsigned profile_hz = 0;                      // > 0: CPU profile mode (no allocation tracking)
  std::optional<std::filesystem::path> preload_library;
  // Stdout/stderr of the target are inherited unless redirected to these files.
  std::optional<std::filesystem::path> stdout_file;
  std::optional<std::filesystem::path> stderr_file;
  // The target is killed (SIGKILL) when it runs longer; unset: no limit.
  std::optional<std::chrono::milliseconds> time_limit;
};

struct RunResult {
  pid_t pid = 0;                 // the target's pid: pass it to read_capture()
  bool exited = false;           // exited normally (exit code in exit_code)
  int exit_code = 0;
  int signal = 0;                // killing signal when !exited
  bool timed_out = false;        // killed after RunOptions::time_limit
  std::chrono::nanoseconds wall{0};
  bool ok() const { return exited && exit_code == 0; }
  // "exit code 3", "killed by signal 11 (Segmentation fault)", "exit code 0",
  // "killed: over the time limit".
  std::string describe() const;
};

// The preload library that would be used, or LaunchError naming where it looked.
std::filesystem::path find_preload_library(const std::optional<std::filesystem::path>& explicit_path = std::nullopt);

// fork + execvp(argv[0], argv) with the preload; waits for the target.
// Throws LaunchError when argv is empty, the output folder cannot be created,
// the library is missing, or the program cannot be executed (exec failure is
// reported through a pipe, not as exit code 127).
RunResult run_with_preload(const std::vector<std::string>& argv, const RunOptions& options);

// The environment assignments ("NAME=value") the target receives for `options`
// (without LD_PRELOAD); used by run_with_preload and by tests. Throws
// LaunchError when $VIGIL_UNWIND names no method.
std::vector<std::string> preload_environment(const RunOptions& options);

}  // namespace vigil::profilers
