#pragma once
// A server vigil-load starts for the run and stops at its end: the reference
// vigil-server on a port it picks itself, or any command, handed a free port
// as "{port}" in its arguments and as PORT in its environment, awaited until
// it accepts connections. Its output goes to a log kept in memory, so a
// server that fails to start can be reported by its last words.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::harness::load {

class ServerProcess {
 public:
  struct Options {
    std::vector<std::string> command;  // program and arguments
    // The program prints its port alone on its first line (vigil-server
    // --port 0); otherwise a free port is chosen and handed to it.
    bool reports_port = false;
    // ... and "debug PORT" on its second (vigil-server --debug-port 0).
    bool reports_debug_port = false;
    std::vector<int> cpus;  // pinned to these; empty: not pinned
    std::chrono::milliseconds startup_timeout{10'000};
  };

  // Starts it and waits until it accepts connections; throws
  // std::runtime_error with a one-line reason when it cannot.
  explicit ServerProcess(Options options);
  // Stops it (SIGTERM, then SIGKILL after a grace period) if still running.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  // Its debug listener's port (Options::reports_debug_port), else 0.
  std::uint16_t debug_port() const { return debug_port_; }
  // Whether it exited on its own; `status` is the wait status then.
  bool exited(int* status = nullptr);
  // SIGTERM, wait up to `grace`, then SIGKILL; returns the wait status.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // The last non-empty line it printed (for error messages).
  std::string last_output_line() const;
  // Keeps the log small whatever the server prints (call now and then).
  void trim_log();

 private:
  void spawn(const std::vector<std::string>& argv, const std::vector<int>& cpus, bool with_port_env);
  // The first `count` lines it prints; throws when it exits or the deadline passes first.
  std::vector<std::string> await_first_lines(std::size_t count, std::chrono::steady_clock::time_point deadline);
  // The port in `line` after `prefix`; stops the server and throws when there is none.
  std::uint16_t port_in(std::string_view line, std::string_view prefix);
  void await_listening(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t debug_port_ = 0;
  int log_fd_ = -1;      // the child's stdout and stderr (memfd)
  bool reaped_ = false;
  int status_ = 0;
};

// A port that was free a moment ago on 127.0.0.1.
std::uint16_t pick_free_port();

// The vigil-server to start: `override` when given, else the one beside the
// executable `self` (build/<flavour>/bin/), else the build tree's
// tools/server/vigil-server; empty when none exists.
std::filesystem::path find_vigil_server(const std::filesystem::path& self, const std::string& override);

}  // namespace vigil::harness::load
