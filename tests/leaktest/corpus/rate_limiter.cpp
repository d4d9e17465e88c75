// Clean: a sliding-window rate limiter that keeps, per client, the times of
// its requests in the last 100 ms of simulated time in a deque, dropping
// older ones on each request. The deques take and give back chunks as the
// traffic of each client rises and falls: live memory wobbles, bounded.
#include <deque>
#include <unordered_map>

#include "service_loop.hpp"

namespace {

class RateLimiter {
 public:
  explicit RateLimiter(std::size_t per_second) : limit_(per_second) {}
  bool allow(std::uint64_t client, std::uint64_t now_us) {
    std::deque<std::uint64_t>& times = recent_[client];
    while (!times.empty() && times.front() + 100'000 <= now_us) times.pop_front();
    if (times.size() >= limit_) return false;
    times.push_back(now_us);
    return true;
  }

 private:
  std::size_t limit_;
  std::unordered_map<std::uint64_t, std::deque<std::uint64_t>> recent_;
};

RateLimiter g_limiter(500);
corpus::Random g_random(14);
std::uint64_t g_now_us = 0;

void handle(std::uint64_t) {
  g_now_us += 50 + g_random.below(100);  // about 10,000 requests per second
  // 16 clients; a different one is the busiest from one moment to the next.
  const std::uint64_t hot = (g_now_us / 700'000) % 16;
  const std::uint64_t client = g_random.below(3) == 0 ? hot : g_random.below(16);
  g_limiter.allow(client, g_now_us);
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 100}, handle); }
