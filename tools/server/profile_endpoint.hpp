#pragma once
// vigil-server's CPU profile endpoint, on a debug listener of its own
// (--debug-port): loopback only, one event loop thread of its own, so that
// a profile being taken (seconds long) never holds up the service's loops.
//   GET /debug/pprof/profile?seconds=N[&format=pprof|json]   N = 0.01..60
//       (default 30; fractional, so a load generator can cover one window):
//       profiles the whole server process for N seconds at 99 Hz, answers
//       pprof's gzipped profile.proto, or with format=json the report
//       envelope's form of a profile (reports::to_profile_json).
//   GET /debug/pprof/folded?seconds=N   the same as folded stacks
//       ("root;...;leaf count" per line).
// 403 for a peer that is not loopback, 400 for a bad N or format, 409 while
// another profile is being taken.

#include <cstdint>
#include <memory>
#include <string>

namespace vigil::serverdebug {

class DebugListener {
 public:
  // Listens on 127.0.0.1:port (0: a free port); throws std::system_error.
  explicit DebugListener(std::uint16_t port);
  ~DebugListener();  // stops and joins its thread
  DebugListener(const DebugListener&) = delete;
  DebugListener& operator=(const DebugListener&) = delete;

  std::uint16_t port() const;
  // Starts serving on a thread of its own.
  void start();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::serverdebug
