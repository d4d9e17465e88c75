#pragma once
// The load generator: `threads` event loops on epoll, each driving its share
// of `connections` keep-alive connections with up to `pipeline` requests in
// flight on each. Closed loop, or a constant total rate (pacer.hpp). Every
// answered request is counted in the window of its answer, with its
// latency; every failure is counted by kind and the connection re-opened,
// never stopping the run.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "vigil/harness/load/pacer.hpp"
#include "vigil/harness/load/request_mix.hpp"
#include "vigil/harness/load/run_record.hpp"
#include "vigil/harness/load/target.hpp"

namespace vigil::harness::load {

struct GeneratorConfig {
  Target target;
  RequestMix mix;
  std::uint32_t connections = 32;
  std::uint32_t threads = 1;
  std::uint32_t pipeline = 1;       // requests in flight per connection
  double rate = 0;                  // requests per second in total; 0: closed loop
  Nanos timeout = 5'000'000'000;    // an answer later than this is a timeout
  std::optional<int> expect_status;
  std::string expect_body;          // text every body must contain
  std::uint64_t max_requests = 0;   // stop after this many answers; 0: until stop()
  std::vector<int> cpus;            // CPUs the threads run on; empty: any
};

// Windows of the run, filled by the threads as each of their windows ends.
class WindowStore {
 public:
  WindowStore(Nanos start, Nanos window_ns) : start_(start), window_ns_(window_ns) {}
  Nanos start() const { return start_; }
  Nanos window_ns() const { return window_ns_; }
  std::size_t index_of(Nanos t) const { return static_cast<std::size_t>((t - start_) / window_ns_); }

  void add(std::size_t index, const WindowCounts& counts);
  // A copy of window `index` as far as the threads have handed it in.
  WindowCounts snapshot(std::size_t index) const;
  std::vector<WindowCounts> take();

 private:
  Nanos start_, window_ns_;
  mutable std::mutex mutex_;
  std::vector<WindowCounts> windows_;
};

class Generator {
 public:
  // Sending starts at `store.start()`; the threads connect before it.
  Generator(GeneratorConfig config, WindowStore& store);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  void start();
  // Asks the threads to stop; answers arriving later are not counted.
  void stop();
  void join();
  // With max_requests: every request answered or failed.
  bool done() const;

  std::uint64_t responses() const;
  std::uint64_t errors() const;

 private:
  class Loop;

  GeneratorConfig config_;
  WindowStore& store_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> tickets_{0};  // requests claimed, with max_requests
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<std::thread> threads_;
};

}  // namespace vigil::harness::load
