#include "vigil/framework/memory/buffer_history.hpp"

#include <algorithm>
#include <bit>
#include <chrono>

#include <gtest/gtest.h>

#include "counting_new.hpp"

namespace vigil::framework {
namespace {

using namespace std::chrono_literals;
using Clock = BufferHistory::Clock;

BufferHistoryOptions with(HistoryPruning pruning) {
  BufferHistoryOptions o;
  o.pruning = pruning;
  return o;
}

TEST(BufferHistory, BurstWithinTheAgeWindowIsCappedInCount) {
  BufferHistory history;
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 10'000; ++i) history.record(1000, t0 + std::chrono::microseconds(i));
  EXPECT_EQ(history.size(), history.options().max_entries);
}

TEST(BufferHistory, HistoryUnboundedDefectKeepsTheWholeBurst) {
  BufferHistory history(with(HistoryPruning::AgeOnly));
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 10'000; ++i) history.record(1000, t0 + std::chrono::microseconds(i));
  EXPECT_EQ(history.size(), 10'000u);
}

TEST(BufferHistory, KeepsTheNewestEntriesOldestFirstWithinItsCapacity) {
  BufferHistoryOptions options;
  options.max_entries = 4;
  BufferHistory history(options);
  const auto t0 = Clock::time_point{} + 1h;
  for (std::size_t i = 1; i <= 3; ++i) history.record(i, t0 + std::chrono::milliseconds(i));
  ASSERT_EQ(history.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(history.size_at(i), i + 1);
  // Wraps around several times: always the last four, oldest first.
  for (std::size_t i = 4; i <= 11; ++i) history.record(i, t0 + std::chrono::milliseconds(i));
  ASSERT_EQ(history.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(history.size_at(i), 8 + i);
  EXPECT_EQ(history.capacity(), 4u);
}

TEST(BufferHistory, AgePruningKeepsOrderAcrossTheWrap) {
  BufferHistoryOptions options;
  options.max_entries = 3;
  options.max_age = 10s;
  BufferHistory history(options);
  const auto t0 = Clock::time_point{} + 1h;
  for (std::size_t i = 0; i < 5; ++i) history.record(i, t0 + std::chrono::seconds(i));
  history.record(100, t0 + 14s);  // entries 0..3 are older than 10 s
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history.size_at(0), 4u);
  EXPECT_EQ(history.size_at(1), 100u);
}

TEST(BufferHistory, RecordAllocatesNothingOnceConstructed) {
  BufferHistory history;
  const auto t0 = Clock::time_point{} + 1h;
  testing::CountingScope scope;
  for (int i = 0; i < 10'000; ++i) history.record(1000 + i, t0 + std::chrono::microseconds(i));
  EXPECT_GT(history.suggested_buffer_size(), 0u);
  EXPECT_EQ(scope.tally().news, 0);
  EXPECT_EQ(scope.tally().deletes, 0);
}

TEST(BufferHistory, HistoryUnboundedDefectAllocatesAsTheBurstGrows) {
  BufferHistory history(with(HistoryPruning::AgeOnly));
  const auto t0 = Clock::time_point{} + 1h;
  testing::CountingScope scope;
  for (std::size_t i = 0; i < 10'000; ++i) history.record(i, t0 + std::chrono::microseconds(i));
  ASSERT_EQ(history.size(), 10'000u);
  // Doubles as a growable ring does: 64 -> 128 -> ... -> 16384, one block each time.
  EXPECT_EQ(history.capacity(), 16'384u);
  EXPECT_EQ(scope.tally().news, 8);
  EXPECT_EQ(scope.tally().deletes, 8);
  for (std::size_t i = 0; i < history.size(); i += 997) EXPECT_EQ(history.size_at(i), i);
}

TEST(BufferHistory, OldEntriesArePrunedByAgeInBothModes) {
  for (const HistoryPruning pruning : {HistoryPruning::CountAndAge, HistoryPruning::AgeOnly}) {
    BufferHistoryOptions options = with(pruning);
    options.max_age = 10s;
    BufferHistory history(options);
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
  BufferHistory history(options);
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

TEST(BufferHistory, SuggestionAlwaysFollowsTheLargestEntryStillHeld) {
  // Entries leave by count and by age while sizes repeat: the kept largest
  // must match a scan of what is held after every record.
  for (const HistoryPruning pruning : {HistoryPruning::CountAndAge, HistoryPruning::AgeOnly}) {
    BufferHistoryOptions options = with(pruning);
    options.max_entries = 8;
    options.max_age = 5s;
    options.min_buffer = 1;
    BufferHistory history(options);
    std::uint64_t state = 7;
    auto t = Clock::time_point{} + 1h;
    for (int i = 0; i < 5000; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const std::size_t size = 1 + (state >> 33) % 5 * 1000;  // few distinct sizes, repeated
      t += std::chrono::milliseconds((state >> 20) % 1500);
      history.record(size, t);
      std::size_t largest = 0;
      for (std::size_t k = 0; k < history.size(); ++k) largest = std::max(largest, history.size_at(k));
      ASSERT_EQ(history.suggested_buffer_size(), std::min(std::bit_ceil(largest), options.max_buffer)) << i;
    }
  }
}

}  // namespace
}  // namespace vigil::framework
