#include "vigil/framework/pipeline/batch_worker.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::framework {
namespace {

using namespace std::chrono_literals;

std::size_t live_threads() {
  // Sanitizer runtimes start a helper thread with the first thread a process
  // creates; one throwaway thread first keeps it out of the comparisons.
  static const bool runtime_threads_started = [] {
    std::thread([] {}).join();
    return true;
  }();
  (void)runtime_threads_started;
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// Waits (bounded) until `done()` holds.
template <class F>
bool eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(BatchWorker, StartsOneWorkerPerBatchAndJoinsIt) {
  std::atomic<int> flushed{0};
  std::atomic<std::uint64_t> requests_seen{0};
  const std::size_t before = live_threads();
  {
    BatchWorker worker({.batch_size = 10}, [&](const BatchStats& s) {
      requests_seen += s.requests;
      ++flushed;
    });
    for (int i = 0; i < 95; ++i) worker.on_request();
    EXPECT_EQ(worker.workers_started(), 9u);
    EXPECT_LE(live_threads(), before + 1);  // at most the last batch's worker
    worker.shutdown();
    EXPECT_EQ(worker.workers_joined(), 9u);
    EXPECT_EQ(live_threads(), before);
  }
  EXPECT_EQ(flushed.load(), 9);
  EXPECT_EQ(requests_seen.load(), 90u);
}

TEST(BatchWorker, ThreadLeakDefectLeavesAThreadPerBatch) {
  const std::size_t before = live_threads();
  const std::size_t parked_before = BatchWorker::leaked_workers_parked();
  {
    BatchWorker worker({.batch_size = 5, .join_workers = false});
    for (int i = 0; i < 20; ++i) worker.on_request();
    EXPECT_EQ(worker.workers_started(), 4u);
  }  // destruction does not wait for the leaked workers
  ASSERT_TRUE(eventually([&] { return BatchWorker::leaked_workers_parked() == parked_before + 4; }));
  EXPECT_GE(live_threads(), before + 4);

  BatchWorker::release_leaked_workers();
  ASSERT_TRUE(eventually([&] { return BatchWorker::leaked_workers_parked() == 0; }));
  EXPECT_TRUE(eventually([&] { return live_threads() <= before; }));
}

// The leak also costs time: every request polls each leaked worker for
// completion, and a worker leaves that list only once it has ended.
TEST(BatchWorker, ThreadLeakDefectPollsEveryWorkerStillRunning) {
  BatchWorker worker({.batch_size = 5, .join_workers = false});
  for (int i = 0; i < 20; ++i) worker.on_request();
  EXPECT_EQ(worker.workers_polled(), 4u);
  ASSERT_TRUE(eventually([&] { return BatchWorker::leaked_workers_parked() == 4; }));  // released only once parked
  BatchWorker::release_leaked_workers();
  ASSERT_TRUE(eventually([&] { return BatchWorker::leaked_workers_parked() == 0; }));
  // A request reaps the ended ones (requests 21-24 end no batch, so start no worker).
  int requests = 20;
  EXPECT_TRUE(eventually([&] {
    if (requests < 24) worker.on_request(), ++requests;
    return worker.workers_polled() == 0;
  }));
}

TEST(BatchWorker, OnRequestIsThreadSafe) {
  std::atomic<int> flushed{0};
  BatchWorker worker({.batch_size = 7}, [&](const BatchStats&) { ++flushed; });
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 70; ++i) worker.on_request();
    });
  }
  for (auto& t : threads) t.join();
  worker.shutdown();
  EXPECT_EQ(worker.workers_started(), 30u);
  EXPECT_EQ(flushed.load(), 30);
}

}  // namespace
}  // namespace vigil::framework
