#pragma once
// Every `batch_size` requests the pipeline hands the batch's statistics to a
// background worker that flushes them. Correct: one long-lived thread, started
// with the first batch, flushes the batches in order (at most one in flight)
// and is joined on shutdown; a request only bumps an atomic counter, and the
// request that ends a batch wakes that thread. (Starting a thread per batch on the request path
// cost the server its tail latency.) workers_started() counts the batches
// handed over, workers_joined() the ones flushed and waited for.
//
// With join_workers off (the thread-leak bug) each batch's worker is a thread
// of its own, started detached and left waiting on a stop signal that never
// comes, so live threads grow by one per batch. As code that keeps its
// workers does, every request first reaps the ones that finished by polling
// each one's done flag; none ever finishes, so that poll walks one more
// worker per batch and a request costs more the longer the server runs.
// The leaked workers park on
// process-lifetime state: destruction and process exit neither hang nor
// crash; release_leaked_workers() lets them end (tests).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace vigil::framework {

struct BatchWorkerOptions {
  std::size_t batch_size = 256;  // requests per background batch (0 counts as 1)
  bool join_workers = true;      // false: each worker is detached and never ends
};

struct BatchStats {
  std::uint64_t batch_index = 0;
  std::uint64_t requests = 0;
};

class BatchWorker {
 public:
  using Flush = std::function<void(const BatchStats&)>;

  explicit BatchWorker(BatchWorkerOptions options = {}, Flush flush = {});
  ~BatchWorker();  // joins the running worker (correct mode)
  BatchWorker(const BatchWorker&) = delete;
  BatchWorker& operator=(const BatchWorker&) = delete;

  // Counts one request; at each batch boundary, hands the batch to its
  // worker. Thread-safe.
  void on_request();
  // Flushes the batches handed over and joins the flushing thread, if any.
  void shutdown();

  std::uint64_t workers_started() const;
  std::uint64_t workers_joined() const;
  // Leaked workers this BatchWorker still polls on every request.
  std::size_t workers_polled() const;

  // Workers started with join_workers off, process-wide, still parked.
  static std::size_t leaked_workers_parked();
  // Wakes every parked leaked worker so it ends (its thread exits).
  static void release_leaked_workers();

 private:
  void start_leaked_worker(BatchStats stats);
  void reap_finished_workers();
  void hand_to_flusher();
  void flush_until_stopped();

  bool leak_;
  std::size_t batch_size_;
  Flush flush_;
  std::atomic<std::uint64_t> requests_{0};
  mutable std::mutex mutex_;
  std::condition_variable batch_ready_;
  std::condition_variable batch_flushed_;
  std::uint64_t started_ = 0;  // batches handed over
  std::uint64_t joined_ = 0;   // batches flushed
  bool stopping_ = false;
  std::thread flusher_;
  std::vector<std::shared_ptr<const std::atomic<bool>>> running_;  // leaked workers' done flags
};

}  // namespace vigil::framework
