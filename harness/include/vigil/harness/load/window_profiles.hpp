#pragma once
// CPU profiles of a started vigil-server over chosen windows of a load run
// (vigil-load --profile): a side thread per window asks the server's debug
// listener for GET /debug/pprof/profile?seconds=S&format=json at the
// window's start and reads the answer, the report's own form of a profile
// (a thread each, so that a late answer for one window never delays the
// next). The generator's threads do nothing for them, and they share
// nothing with them: they are cancelled through an eventfd, and their
// results are read after they end.

#include <cstdint>
#include <future>
#include <map>
#include <string>
#include <vector>

#include "vigil/harness/load/pacer.hpp"
#include "vigil/reports/profile.hpp"

namespace vigil::harness::load {

struct ProfileWindow {
  std::string name;  // the report's profile name: "first_window", "last_window"
  Nanos start = 0;   // monotonic time the profile starts
  Nanos length = 0;  // how long it covers
};

struct WindowProfiles {
  std::map<std::string, reports::Profile> profiles;  // by window name
  std::vector<std::string> failures;                 // "last_window: why", for each one not fetched
};

class WindowProfiler {
 public:
  // The longest profile the server takes (its endpoint's limit): a longer
  // window is profiled for its first kMaxLength.
  static constexpr Nanos kMaxLength = 60'000'000'000;

  // Starts a side thread per window, which fetches that window's profile
  // from 127.0.0.1:port. Throws std::system_error when one cannot start.
  WindowProfiler(std::uint16_t port, std::vector<ProfileWindow> windows);
  ~WindowProfiler();  // cancels what is left
  WindowProfiler(const WindowProfiler&) = delete;
  WindowProfiler& operator=(const WindowProfiler&) = delete;

  // Waits until every fetch has ended or the monotonic `deadline` has come
  // (then cancels the rest); what was fetched, and why the rest was not.
  WindowProfiles finish(Nanos deadline);

 private:
  void cancel();

  int wake_fd_ = -1;  // eventfd: readable once cancelled
  std::vector<std::future<WindowProfiles>> fetches_;  // one per window
};

}  // namespace vigil::harness::load
