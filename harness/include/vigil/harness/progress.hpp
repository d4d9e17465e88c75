#pragma once
// A progress bar for work over a second: drawn on stderr only when stderr is
// a terminal, redrawn at most ~10 times a second, erased when done.

#include <chrono>
#include <cstdint>
#include <string>

namespace vigil::harness {

class ProgressBar {
 public:
  ProgressBar(std::string label, std::uint64_t total);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(std::uint64_t done);
  // The same, with a short note after the figures (e.g. live rates).
  void update(std::uint64_t done, const std::string& note);
  void finish();

 private:
  std::string label_;
  std::uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace vigil::harness
