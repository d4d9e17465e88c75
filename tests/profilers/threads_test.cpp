#include <gtest/gtest.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "vigil/profilers/threads.hpp"

namespace vp = vigil::profilers;

namespace {

bool contains(const std::vector<pid_t>& tids, pid_t tid) {
  return std::find(tids.begin(), tids.end(), tid) != tids.end();
}

}  // namespace

// Compares thread ids rather than totals: sanitizer runtimes start helper
// threads of their own at any time.
TEST(ThreadCensus, SeesThreadsComeAndGo) {
  constexpr int kThreads = 3;
  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  std::vector<std::atomic<pid_t>> worker_tids(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      worker_tids[i].store(static_cast<pid_t>(::syscall(SYS_gettid)));
      started.fetch_add(1);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!stop.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (started.load() < kThreads && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(started.load(), kThreads);

  const auto tids = vp::list_threads(::getpid());
  EXPECT_TRUE(std::is_sorted(tids.begin(), tids.end()));
  EXPECT_TRUE(contains(tids, ::getpid()));  // the main thread's tid is the pid
  for (const auto& t : worker_tids) EXPECT_TRUE(contains(tids, t.load()));
  EXPECT_GE(vp::count_threads(), static_cast<std::size_t>(kThreads + 1));
  EXPECT_EQ(vp::count_threads(::getpid()), tids.size());

  stop.store(true);
  for (auto& t : threads) t.join();
  // A joined thread's /proc entry goes away as the kernel reaps it: poll.
  bool gone = false;
  for (int tries = 0; tries < 2000 && !gone; ++tries) {
    const auto now = vp::list_threads(::getpid());
    gone = std::none_of(worker_tids.begin(), worker_tids.end(),
                        [&](const std::atomic<pid_t>& t) { return contains(now, t.load()); });
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(gone);
}

TEST(ThreadCensus, NoProcessNoCount) {
  EXPECT_FALSE(vp::count_threads(0x7ffffff0).has_value());
  EXPECT_TRUE(vp::list_threads(0x7ffffff0).empty());
}
