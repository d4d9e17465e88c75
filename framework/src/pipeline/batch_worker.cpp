#include "vigil/framework/pipeline/batch_worker.hpp"

namespace vigil::framework {
namespace {

// Where leaked workers wait. Immortal on purpose: a detached worker may still
// be waiting on it while the process exits, so it must never be destroyed.
struct ParkingLot {
  std::mutex mutex;
  std::condition_variable wake;
  std::uint64_t generation = 0;
  std::size_t parked = 0;
};

ParkingLot& parking_lot() {
  static auto* lot = new ParkingLot;
  return *lot;
}

void park_forever() {
  ParkingLot& lot = parking_lot();
  std::unique_lock lock(lot.mutex);
  ++lot.parked;
  const std::uint64_t generation = lot.generation;
  lot.wake.wait(lock, [&] { return lot.generation != generation; });
  --lot.parked;
}

}  // namespace

BatchWorker::BatchWorker(BatchWorkerOptions options, Flush flush)
    : leak_(!options.join_workers), batch_size_(options.batch_size == 0 ? 1 : options.batch_size),
      flush_(std::move(flush)) {}

BatchWorker::~BatchWorker() { shutdown(); }

void BatchWorker::on_request() {
  if (leak_) reap_finished_workers();
  const std::uint64_t n = requests_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (n % batch_size_ != 0) return;
  if (leak_) {
    start_leaked_worker({n / batch_size_ - 1, batch_size_});
  } else {
    hand_to_flusher();
  }
}

// Kept out of line so that a profile names the poll that grows.
__attribute__((noinline)) void BatchWorker::reap_finished_workers() {
  std::lock_guard lock(mutex_);
  std::erase_if(running_, [](const auto& done) { return done->load(std::memory_order_acquire); });
}

void BatchWorker::start_leaked_worker(BatchStats stats) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard lock(mutex_);
    ++started_;
    running_.push_back(done);
  }
  // The bug: started, detached, and left waiting for a stop that never comes.
  std::thread([flush = flush_, stats, done = std::move(done)] {
    if (flush) flush(stats);
    park_forever();
    done->store(true, std::memory_order_release);
  }).detach();
}

void BatchWorker::hand_to_flusher() {
  {
    std::unique_lock lock(mutex_);
    // At most one batch in flight, as when each batch's thread was joined
    // before the next started: the flusher has had a whole batch of requests
    // to finish the previous one, so this rarely waits.
    if (flusher_.joinable()) batch_flushed_.wait(lock, [this] { return joined_ == started_; });
    ++started_;
    // While shutdown() joins, the stopping flusher takes this batch too.
    if (!flusher_.joinable() && !stopping_) flusher_ = std::thread([this] { flush_until_stopped(); });
  }
  batch_ready_.notify_one();
}

void BatchWorker::flush_until_stopped() {
  std::unique_lock lock(mutex_);
  for (;;) {
    batch_ready_.wait(lock, [this] { return joined_ < started_ || stopping_; });
    if (joined_ == started_) return;  // stopping, and every batch flushed
    const BatchStats stats{joined_, batch_size_};
    lock.unlock();
    if (flush_) flush_(stats);
    lock.lock();
    ++joined_;
    batch_flushed_.notify_all();
  }
}

void BatchWorker::shutdown() {
  std::thread flusher;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    flusher = std::move(flusher_);
  }
  batch_ready_.notify_one();
  if (flusher.joinable()) flusher.join();
  std::lock_guard lock(mutex_);
  stopping_ = false;  // a later batch starts a new flusher
}

std::uint64_t BatchWorker::workers_started() const {
  std::lock_guard lock(mutex_);
  return started_;
}

std::uint64_t BatchWorker::workers_joined() const {
  std::lock_guard lock(mutex_);
  return joined_;
}

std::size_t BatchWorker::workers_polled() const {
  std::lock_guard lock(mutex_);
  return running_.size();
}

std::size_t BatchWorker::leaked_workers_parked() {
  ParkingLot& lot = parking_lot();
  std::lock_guard lock(lot.mutex);
  return lot.parked;
}

void BatchWorker::release_leaked_workers() {
  ParkingLot& lot = parking_lot();
  {
    std::lock_guard lock(lot.mutex);
    ++lot.generation;
  }
  lot.wake.notify_all();
}

}  // namespace vigil::framework
