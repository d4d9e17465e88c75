#pragma once
// Request logging: one line per request into a LogSink, formatted into the
// request's arena, without touching the heap (unless
// Formatting::FreshHeapStrings).

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/pipeline/middleware.hpp"

namespace vigil::framework {

// Where log lines go. Implementations must be thread-safe.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(std::string_view line) = 0;
};

// Keeps the last `capacity` lines in fixed slots (lines cut at kLineSize);
// no allocation after construction.
class RingLogSink : public LogSink {
 public:
  static constexpr std::size_t kLineSize = 256;
  explicit RingLogSink(std::size_t capacity = 1024);
  void write(std::string_view line) override;
  std::vector<std::string> lines() const;  // oldest first
  std::uint64_t total_written() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::array<char, kLineSize>> slots_;
  std::vector<std::size_t> lengths_;
  std::uint64_t written_ = 0;
};

// "METHOD path status duration_us request_id" per request, formatted whole
// into the request's arena (an event without one: a stack buffer of
// kLineSize, longer lines cut; with FreshHeapStrings: a fresh std::string).
class LoggerMiddleware : public Middleware {
 public:
  static constexpr std::size_t kLineSize = 512;
  explicit LoggerMiddleware(LogSink& sink, Formatting formatting = Formatting::ReuseBuffers);
  std::string_view name() const override { return "logger"; }
  void handle(Event& e, const Next& next) override;

 private:
  LogSink& sink_;
  bool fresh_strings_;
};

}  // namespace vigil::framework
