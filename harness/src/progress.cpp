#include "vigil/harness/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace vigil::harness {

namespace {
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 30;
}  // namespace

ProgressBar::ProgressBar(std::string label, std::uint64_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(std::uint64_t done) { update(done, std::string()); }

void ProgressBar::update(std::uint64_t done, const std::string& note) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  // Nothing drawn for work under a second, and at most ~10 redraws a second.
  if (now - start_ < std::chrono::seconds(1)) return;
  if (drawn_ && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  drawn_ = true;
  const double frac = total_ == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
  const int filled = static_cast<int>(frac * kBarWidth);
  const double secs = std::chrono::duration<double>(now - start_).count();
  const std::string line = fmt::format("\r{} [{}{}] {:3.0f}% {}/{} {:.1f}s{}{}\x1b[K", label_,
                                       std::string(static_cast<std::size_t>(filled), '#'),
                                       std::string(static_cast<std::size_t>(kBarWidth - filled), ' '),
                                       frac * 100, done, total_, secs, note.empty() ? "" : "  ", note);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (drawn_) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
  enabled_ = false;
}

}  // namespace vigil::harness
