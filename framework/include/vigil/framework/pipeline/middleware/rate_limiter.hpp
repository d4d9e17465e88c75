#pragma once
// A token bucket per client.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "vigil/framework/pipeline/middleware.hpp"

namespace vigil::framework {

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

}  // namespace vigil::framework
