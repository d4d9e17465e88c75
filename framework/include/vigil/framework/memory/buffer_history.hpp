#pragma once
// A connection's recent read sizes, used to size its next read buffer.
// Correct: pruned by age AND capped in count, in a fixed ring allocated once
// at construction, so recording allocates nothing. Pruning AgeOnly (the
// history-unbounded bug) prunes by age alone, so a burst within the age
// window grows the ring without limit (doubling it when full). The clock is injected
// (record(size, now)) for tests and tools.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>


namespace vigil::framework {

enum class HistoryPruning : std::uint8_t {
  CountAndAge,  // entries older than max_age go, and at most max_entries stay
  AgeOnly,      // only age prunes: a burst grows the history without limit
};

struct BufferHistoryOptions {
  std::chrono::steady_clock::duration max_age = std::chrono::seconds(30);
  std::size_t max_entries = 64;
  std::size_t min_buffer = 4 * 1024;
  std::size_t max_buffer = 1024 * 1024;
  HistoryPruning pruning = HistoryPruning::CountAndAge;
};

class BufferHistory {
 public:
  using Clock = std::chrono::steady_clock;

  explicit BufferHistory(BufferHistoryOptions options = {});

  void record(std::size_t size, Clock::time_point now);
  // The read buffer to use next: the largest recent size rounded up to a
  // power of two, within [min_buffer, max_buffer].
  std::size_t suggested_buffer_size() const;

  std::size_t size() const { return count_; }
  // Slots held; max_entries unless AgeOnly pruning grew it.
  std::size_t capacity() const { return capacity_; }
  // The i-th oldest recorded size, i < size().
  std::size_t size_at(std::size_t i) const { return slot(i).size; }
  const BufferHistoryOptions& options() const { return options_; }

 private:
  struct Entry {
    std::size_t size = 0;
    Clock::time_point at{};
  };
  const Entry& slot(std::size_t i) const { return slots_[(oldest_ + i) % capacity_]; }
  void drop_oldest();
  void rescan_largest() const;

  BufferHistoryOptions options_;
  bool unbounded_;
  std::size_t capacity_;
  std::unique_ptr<Entry[]> slots_;
  std::size_t oldest_ = 0;
  std::size_t count_ = 0;
  // The largest recorded size and how many entries hold it, kept as entries
  // come and go (the server asks for a suggestion after every request); a
  // rescan only when the last entry of that size leaves.
  mutable std::size_t largest_ = 0;
  mutable std::size_t largest_count_ = 0;
  mutable bool largest_stale_ = false;
};

}  // namespace vigil::framework
