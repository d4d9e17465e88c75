#include "vigil/framework/pipeline/batch_worker.hpp"

#include <condition_variable>

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
  std::lock_guard lock(mutex_);
  ++requests_;
  if (requests_ % batch_size_ == 0) start_worker({requests_ / batch_size_ - 1, batch_size_});
}

void BatchWorker::start_worker(BatchStats stats) {
  ++started_;
  if (leak_) {
    // The bug: started, detached, and left waiting for a stop that never comes.
    std::thread([flush = flush_, stats] {
      if (flush) flush(stats);
      park_forever();
    }).detach();
    return;
  }
  if (running_.joinable()) {
    running_.join();
    ++joined_;
  }
  running_ = std::thread([flush = flush_, stats] {
    if (flush) flush(stats);
  });
}

void BatchWorker::shutdown() {
  std::lock_guard lock(mutex_);
  if (running_.joinable()) {
    running_.join();
    ++joined_;
  }
}

std::uint64_t BatchWorker::workers_started() const {
  std::lock_guard lock(mutex_);
  return started_;
}

std::uint64_t BatchWorker::workers_joined() const {
  std::lock_guard lock(mutex_);
  return joined_;
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
