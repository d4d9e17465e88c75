#include "vigil/framework/pipeline/middleware/logger.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "vigil/framework/memory/arena.hpp"

namespace vigil::framework {

RingLogSink::RingLogSink(std::size_t capacity)
    : slots_(capacity == 0 ? 1 : capacity), lengths_(capacity == 0 ? 1 : capacity, 0) {}

void RingLogSink::write(std::string_view line) {
  std::lock_guard lock(mutex_);
  const std::size_t at = written_ % slots_.size();
  const std::size_t n = std::min(line.size(), kLineSize);
  std::copy_n(line.data(), n, slots_[at].data());
  lengths_[at] = n;
  ++written_;
}

std::vector<std::string> RingLogSink::lines() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  const std::size_t held = std::min<std::uint64_t>(written_, slots_.size());
  for (std::size_t i = 0; i < held; ++i) {
    const std::size_t at = (written_ - held + i) % slots_.size();
    out.emplace_back(slots_[at].data(), lengths_[at]);
  }
  return out;
}

std::uint64_t RingLogSink::total_written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

LoggerMiddleware::LoggerMiddleware(LogSink& sink, Formatting formatting)
    : sink_(sink), fresh_strings_(formatting == Formatting::FreshHeapStrings) {}

namespace {

// The line: "METHOD path status duration_us request_id".
constexpr char kLineFormat[] = "{} {} {} {}us {}";
// Characters its numbers and separators can take beyond its three strings:
// an int status, an int64 of microseconds, "us" and four spaces.
constexpr std::size_t kNumbersAndSeparators = 11 + 20 + 2 + 4;

}  // namespace

void LoggerMiddleware::handle(Event& e, const Next& next) {
  const auto start = std::chrono::steady_clock::now();
  next(e);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  if (fresh_strings_) {
    // The bug: a fresh heap string per request.
    const std::string line = fmt::format(kLineFormat, e.method, e.path, e.response.status, micros, e.request_id());
    sink_.write(line);
    return;
  }
  if (e.arena != nullptr) {
    // The line's length is bounded by its fields (as nginx sizes its access
    // log line before formatting it into the request's pool), so it is
    // formatted once, whole, into request-scoped memory.
    const std::size_t bound = e.method.size() + e.path.size() + e.request_id().size() + kNumbersAndSeparators;
    char* line = e.arena->allocate_array<char>(bound);
    const auto result =
        fmt::format_to_n(line, bound, kLineFormat, e.method, e.path, e.response.status, micros, e.request_id());
    sink_.write({line, std::min<std::size_t>(result.size, bound)});
    return;
  }
  // An event outside the pipeline has no arena: a stack buffer, long lines cut.
  char buffer[kLineSize];
  const auto result =
      fmt::format_to_n(buffer, sizeof buffer, kLineFormat, e.method, e.path, e.response.status, micros, e.request_id());
  sink_.write({buffer, std::min<std::size_t>(result.size, sizeof buffer)});
}

}  // namespace vigil::framework
