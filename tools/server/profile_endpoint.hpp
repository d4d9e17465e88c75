#pragma once
// vigil-server's CPU profile endpoint, on a debug listener of its own
// (--debug-port): loopback only, a thread per request (4 at once), so that
// a profile being taken (seconds long) holds up neither the service's loops
// nor the next profile (a load generator asks for one per window).
//   GET /debug/pprof/profile?seconds=N[&hz=H][&format=pprof|json]
//       N = 0.01..60 (default 30; fractional, so a load generator can cover
//       one window), H = 1..10000 samples per CPU-second (default 99):
//       profiles the whole server process for N seconds, answers
//       pprof's gzipped profile.proto, or with format=json the report
//       envelope's form of a profile (reports::to_profile_json).
//   GET /debug/pprof/folded?seconds=N[&hz=H]   the same as folded stacks
//       ("root;...;leaf count" per line).
// 403 for a peer that is not loopback, 400 for a bad N, H or format, 409 while
// another profile is being taken (one that ends within 0.25 s is waited for).

#include <cstdint>
#include <memory>
#include <string>

namespace vigil::serverdebug {

class DebugListener {
 public:
  // Listens on 127.0.0.1:port (0: a free port); throws std::system_error.
  explicit DebugListener(std::uint16_t port);
  ~DebugListener();  // stops and joins its threads
  DebugListener(const DebugListener&) = delete;
  DebugListener& operator=(const DebugListener&) = delete;

  std::uint16_t port() const;
  // Starts serving on threads of its own.
  void start();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::serverdebug
