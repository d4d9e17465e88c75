#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "vigil/profilers/threads.hpp"

namespace vp = vigil::profilers;

TEST(ThreadCensus, SeesThreadsComeAndGo) {
  const std::size_t before = vp::count_threads();
  EXPECT_GE(before, 1u);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&stop] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!stop.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  EXPECT_EQ(vp::count_threads(), before + 3);
  EXPECT_EQ(vp::count_threads(::getpid()), before + 3);
  const auto tids = vp::list_threads(::getpid());
  EXPECT_EQ(tids.size(), before + 3);
  EXPECT_NE(std::find(tids.begin(), tids.end(), ::getpid()), tids.end());  // the main thread's tid is the pid
  stop.store(true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(vp::count_threads(), before);
}

TEST(ThreadCensus, NoProcessNoCount) {
  EXPECT_FALSE(vp::count_threads(0x7ffffff0).has_value());
  EXPECT_TRUE(vp::list_threads(0x7ffffff0).empty());
}
