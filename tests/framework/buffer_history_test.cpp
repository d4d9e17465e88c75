#include "vigil/framework/buffer_history.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace vigil::framework {
namespace {

using namespace std::chrono_literals;
using Clock = BufferHistory::Clock;

DefectSet with(Defect d) {
  DefectSet s;
  s.enable(d);
  return s;
}

TEST(BufferHistory, BurstWithinTheAgeWindowIsCappedInCount) {
  BufferHistory history;
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 10'000; ++i) history.record(1000, t0 + std::chrono::microseconds(i));
  EXPECT_EQ(history.size(), history.options().max_entries);
}

TEST(BufferHistory, HistoryUnboundedDefectKeepsTheWholeBurst) {
  BufferHistory history(with(Defect::HistoryUnbounded));
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 10'000; ++i) history.record(1000, t0 + std::chrono::microseconds(i));
  EXPECT_EQ(history.size(), 10'000u);
}

TEST(BufferHistory, OldEntriesArePrunedByAgeInBothModes) {
  for (const DefectSet defects : {DefectSet{}, with(Defect::HistoryUnbounded)}) {
    BufferHistoryOptions options;
    options.max_age = 10s;
    BufferHistory history(defects, options);
    const auto t0 = Clock::time_point{} + 1h;
    for (int i = 0; i < 5; ++i) history.record(100, t0 + std::chrono::seconds(i));
    history.record(100, t0 + 60s);
    EXPECT_EQ(history.size(), 1u);
  }
}

TEST(BufferHistory, SuggestsThePowerOfTwoAboveTheLargestRecentRead) {
  BufferHistoryOptions options;
  options.max_age = 10s;
  options.min_buffer = 4096;
  options.max_buffer = 65536;
  BufferHistory history({}, options);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_EQ(history.suggested_buffer_size(), 4096u);
  history.record(100, t0);
  EXPECT_EQ(history.suggested_buffer_size(), 4096u);
  history.record(5000, t0 + 1s);
  EXPECT_EQ(history.suggested_buffer_size(), 8192u);
  history.record(1'000'000, t0 + 2s);
  EXPECT_EQ(history.suggested_buffer_size(), 65536u);
  history.record(100, t0 + 30s);  // the large reads aged out
  EXPECT_EQ(history.suggested_buffer_size(), 4096u);
}

}  // namespace
}  // namespace vigil::framework
