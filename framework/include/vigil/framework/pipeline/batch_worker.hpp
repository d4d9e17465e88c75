#pragma once
// Every `batch_size` requests the pipeline starts a background worker that
// flushes the batch's statistics. Correct: the previous worker is joined
// before the next starts, and the last on shutdown, so at most one lives.
//
// With join_workers off (the thread-leak bug) the worker starts detached and
// waits on a stop signal that never comes, so live threads grow by one per
// batch. The
// leaked workers park on process-lifetime state: destruction and process exit
// neither hang nor crash; release_leaked_workers() lets them end (tests).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>


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

  // Counts one request; at each batch boundary, starts the batch's worker.
  // Thread-safe.
  void on_request();
  // Joins the running worker, if any.
  void shutdown();

  std::uint64_t workers_started() const;
  std::uint64_t workers_joined() const;

  // Workers started with join_workers off, process-wide, still parked.
  static std::size_t leaked_workers_parked();
  // Wakes every parked leaked worker so it ends (its thread exits).
  static void release_leaked_workers();

 private:
  void start_worker(BatchStats stats);

  bool leak_;
  std::size_t batch_size_;
  Flush flush_;
  mutable std::mutex mutex_;
  std::uint64_t requests_ = 0;
  std::uint64_t started_ = 0;
  std::uint64_t joined_ = 0;
  std::thread running_;
};

}  // namespace vigil::framework
