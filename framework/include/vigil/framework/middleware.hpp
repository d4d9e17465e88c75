#pragma once
// The middleware chain: each middleware gets the event and a `Next` to call
// the rest of the chain (or not, to answer early). Dispatch is a virtual call
// per middleware and a function pointer for the handler: nothing is
// allocated per request.
//
// The middleware-alloc defect makes logger, request id and CORS format into
// fresh heap std::strings on every request, the way naive middleware does.

#include <array>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "vigil/framework/defects.hpp"
#include "vigil/framework/event.hpp"

namespace vigil::framework {

// A non-owning reference to a callable `void(Event&)`; the callable must
// outlive the call.
class HandlerRef {
 public:
  template <class F>
    requires(!std::same_as<std::remove_cvref_t<F>, HandlerRef> &&
             std::invocable<F&, Event&>)
  HandlerRef(F& f)  // NOLINT: implicit by design, like a function pointer
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, Event& e) { (*static_cast<F*>(o))(e); }) {}
  HandlerRef(void (*fn)(Event&))  // NOLINT
      : object_(reinterpret_cast<void*>(fn)),
        call_([](void* o, Event& e) { reinterpret_cast<void (*)(Event&)>(o)(e); }) {}

  void operator()(Event& e) const { call_(object_, e); }

 private:
  void* object_;
  void (*call_)(void*, Event&);
};

class Chain;

// Calls the rest of the chain; cheap to copy (two pointers and an index).
class Next {
 public:
  void operator()(Event& e) const;

 private:
  friend class Chain;
  Next(const Chain* chain, std::size_t index, HandlerRef handler)
      : chain_(chain), index_(index), handler_(handler) {}
  const Chain* chain_;
  std::size_t index_;
  HandlerRef handler_;
};

class Middleware {
 public:
  virtual ~Middleware() = default;
  virtual std::string_view name() const = 0;
  virtual void handle(Event& e, const Next& next) = 0;
};

class Chain {
 public:
  Chain& use(std::unique_ptr<Middleware> m);
  template <class M, class... Args>
  M& emplace(Args&&... args) {
    auto m = std::make_unique<M>(std::forward<Args>(args)...);
    M& ref = *m;
    use(std::move(m));
    return ref;
  }
  // Runs the middleware in order, then `handler`.
  void run(Event& e, HandlerRef handler) const;
  std::size_t size() const { return middleware_.size(); }

 private:
  friend class Next;
  std::vector<std::unique_ptr<Middleware>> middleware_;
};

// ---- Logger ---------------------------------------------------------------

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

// "METHOD path status duration_us request_id" per request, formatted into a
// stack buffer (or, with middleware-alloc, into a fresh std::string).
class LoggerMiddleware : public Middleware {
 public:
  static constexpr std::size_t kLineSize = 512;
  LoggerMiddleware(LogSink& sink, DefectSet defects = {});
  std::string_view name() const override { return "logger"; }
  void handle(Event& e, const Next& next) override;

 private:
  LogSink& sink_;
  bool alloc_defect_;
};

// ---- Recovery -------------------------------------------------------------

// Catches anything the rest of the chain throws and answers 500.
class RecoveryMiddleware : public Middleware {
 public:
  std::string_view name() const override { return "recovery"; }
  void handle(Event& e, const Next& next) override;
  std::uint64_t recovered() const { return recovered_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> recovered_{0};
};

// ---- CORS -----------------------------------------------------------------

struct CorsOptions {
  std::vector<std::string> allowed_origins = {"*"};  // "*" allows any origin
  std::string allowed_methods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
  std::string allowed_headers = "Content-Type, Authorization, X-Request-Id";
  int max_age_seconds = 600;
};

// Adds Access-Control-* headers to responses for allowed origins and answers
// preflight requests (OPTIONS with Access-Control-Request-Method) with 204.
class CorsMiddleware : public Middleware {
 public:
  explicit CorsMiddleware(CorsOptions options = {}, DefectSet defects = {});
  std::string_view name() const override { return "cors"; }
  void handle(Event& e, const Next& next) override;

 private:
  bool origin_allowed(std::string_view origin) const;
  CorsOptions options_;
  bool any_origin_;
  std::string max_age_text_;
  bool alloc_defect_;
};

// ---- Rate limiter ---------------------------------------------------------

struct RateLimitOptions {
  double tokens_per_second = 100;
  double burst = 200;
  std::size_t max_clients = 4096;  // table bound; the stalest client is evicted
};

// A token bucket per client key (the event's remote address without port).
// Requests beyond the budget get 429 with Retry-After.
class RateLimiterMiddleware : public Middleware {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiterMiddleware(RateLimitOptions options = {});
  std::string_view name() const override { return "rate-limiter"; }
  void handle(Event& e, const Next& next) override;

  // The decision itself, with an injectable clock (tests).
  bool allow(std::string_view client, Clock::time_point now);
  std::size_t tracked_clients() const;
  std::uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void evict_stalest();

  RateLimitOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket, KeyHash, std::equal_to<>> buckets_;
  std::atomic<std::uint64_t> rejected_{0};
};

// The client key of an address: "1.2.3.4:5678" -> "1.2.3.4", "[::1]:80" -> "::1".
std::string_view client_key(std::string_view remote_addr);

// ---- Request id -----------------------------------------------------------

// Takes X-Request-Id from the request when present and sane, or generates
// "<prefix>-<counter in hex>" inline; echoes it as the X-Request-Id header.
class RequestIdMiddleware : public Middleware {
 public:
  explicit RequestIdMiddleware(DefectSet defects = {});
  std::string_view name() const override { return "request-id"; }
  void handle(Event& e, const Next& next) override;

 private:
  std::array<char, 8> prefix_{};  // per-process random hex
  std::atomic<std::uint64_t> counter_{0};
  bool alloc_defect_;
};

// The standard chain: request id, logger, recovery, CORS, rate limiter.
Chain make_default_chain(LogSink& sink, DefectSet defects = {}, CorsOptions cors = {},
                         RateLimitOptions rate = {});

}  // namespace vigil::framework
