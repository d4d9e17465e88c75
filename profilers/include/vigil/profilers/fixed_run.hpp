#pragma once
// Runs a program the same way every time, so that what it counts does not
// drift between runs: exactly the environment given (nothing inherited), no
// address-space randomisation (personality ADDR_NO_RANDOMIZE, what
// `setarch -R` does), stdin from /dev/null. Its stderr is read line by line
// while it runs; the caller may stop it (SIGKILL) at any line. It stays in
// the caller's process group (a Ctrl-C or a group kill reaches it too) and
// is killed if the caller dies first (PR_SET_PDEATHSIG).

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::profilers {

class FixedRunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FixedRunOptions {
  std::vector<std::string> argv;         // argv[0] is executed as given (a path)
  std::vector<std::string> environment;  // "NAME=value", the whole environment
  std::filesystem::path stdout_file;     // empty: /dev/null
  std::chrono::seconds timeout{600};
  // Called with each line of stderr (without the newline); returning false
  // stops the program.
  std::function<bool(std::string_view)> on_stderr_line;
};

struct FixedRunResult {
  bool exited = false;  // on its own, with exit_code
  int exit_code = 0;
  int signal = 0;       // the signal that ended it otherwise
  bool stopped = false;      // ended by on_stderr_line
  bool timed_out = false;    // ended after the timeout
  bool interrupted = false;  // ended by interrupt_fixed_runs()
  std::vector<std::string> stderr_tail;  // its last lines of stderr
  // "exit code 3", "killed by signal 6 (Aborted)", "stopped", "timed out after 600 s".
  std::string describe(std::chrono::seconds timeout) const;
};

// Throws FixedRunError when the program cannot be started.
FixedRunResult run_fixed(const FixedRunOptions& options);

// Makes every run_fixed of this process stop its program within a fifth of a
// second and return `interrupted`, and those started later return at once:
// what a tool's SIGINT/SIGTERM handler calls (async-signal-safe), so that it
// can clean up and exit.
void interrupt_fixed_runs() noexcept;

// The first executable NAME in the directories of $PATH, or empty.
std::filesystem::path find_on_path(std::string_view name);

}  // namespace vigil::profilers
