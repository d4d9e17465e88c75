#include "vigil/framework/pipeline/middleware/rate_limiter.hpp"

#include <algorithm>

namespace vigil::framework {

std::string_view client_key(std::string_view remote_addr) {
  if (!remote_addr.empty() && remote_addr.front() == '[') {
    const auto close = remote_addr.find(']');
    if (close != std::string_view::npos) return remote_addr.substr(1, close - 1);
    return remote_addr;
  }
  const auto colon = remote_addr.find(':');
  if (colon != std::string_view::npos && remote_addr.find(':', colon + 1) == std::string_view::npos) {
    return remote_addr.substr(0, colon);
  }
  return remote_addr;
}

RateLimiterMiddleware::RateLimiterMiddleware(RateLimitOptions options) : options_(options) {
  if (options_.max_clients == 0) options_.max_clients = 1;
}

bool RateLimiterMiddleware::allow(std::string_view client, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_clients) evict_stalest();
    it = buckets_.emplace(std::string(client), Bucket{options_.burst, now}).first;
  }
  Bucket& b = it->second;
  if (now > b.last) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(options_.burst, b.tokens + elapsed * options_.tokens_per_second);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  rejected_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void RateLimiterMiddleware::evict_stalest() {
  auto stalest = buckets_.begin();
  for (auto it = buckets_.begin(); it != buckets_.end(); ++it) {
    if (it->second.last < stalest->second.last) stalest = it;
  }
  if (stalest != buckets_.end()) buckets_.erase(stalest);
}

std::size_t RateLimiterMiddleware::tracked_clients() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

void RateLimiterMiddleware::handle(Event& e, const Next& next) {
  // An event without a client address was dispatched in-process (tests,
  // leak cycles): there is no client to limit.
  if (e.remote_addr.empty() || allow(client_key(e.remote_addr), Clock::now())) {
    next(e);
    return;
  }
  e.response.status = 429;
  e.response.headers.set("Retry-After", "1");
  e.response.headers.set("Content-Type", "text/plain");
  e.response.body.assign("too many requests\n");
}

}  // namespace vigil::framework
