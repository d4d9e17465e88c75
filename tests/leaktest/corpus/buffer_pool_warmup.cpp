// Clean: a pool of 4 KiB I/O buffers that grows only when every buffer is in
// use. How many requests are in flight at once varies from cycle to cycle, so
// the pool grows to the largest burst seen so far: quickly at first, then
// more and more rarely, by a buffer or two, as bursts rarely beat the record.
#include <memory>
#include <vector>

#include "service_loop.hpp"

namespace {

class BufferPool {
 public:
  std::unique_ptr<char[]> take() {
    if (free_.empty()) return std::make_unique<char[]>(kBufferSize);
    std::unique_ptr<char[]> b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void give_back(std::unique_ptr<char[]> b) { free_.push_back(std::move(b)); }

 private:
  static constexpr std::size_t kBufferSize = 4096;
  std::vector<std::unique_ptr<char[]>> free_;
};

BufferPool g_pool;
corpus::Random g_random(12);
std::vector<std::unique_ptr<char[]>> g_in_flight;

// Requests arrive in bursts: the size of a burst is the sum of four uniform
// draws (20..80, mostly near 50), and a burst's buffers return when it ends.
void handle(std::uint64_t id) {
  static std::uint64_t burst_end = 0;
  if (id > burst_end) {
    for (auto& b : g_in_flight) g_pool.give_back(std::move(b));
    g_in_flight.clear();
    burst_end = id + 20 + g_random.below(16) + g_random.below(16) + g_random.below(16) + g_random.below(16);
  }
  g_in_flight.push_back(g_pool.take());
  g_in_flight.back()[0] = static_cast<char>(id);
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 100}, handle); }
