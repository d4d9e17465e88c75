#include "vigil/framework/memory/buffer_history.hpp"

#include <algorithm>
#include <bit>

namespace vigil::framework {

namespace {
BufferHistoryOptions sanitized(BufferHistoryOptions options) {
  if (options.max_entries == 0) options.max_entries = 1;
  if (options.max_buffer < options.min_buffer) options.max_buffer = options.min_buffer;
  return options;
}
}  // namespace

BufferHistory::BufferHistory(BufferHistoryOptions options)
    : options_(sanitized(options)),
      unbounded_(options_.pruning == HistoryPruning::AgeOnly),
      capacity_(options_.max_entries),
      slots_(new Entry[capacity_]) {}

void BufferHistory::drop_oldest() {
  if (slots_[oldest_].size == largest_ && --largest_count_ == 0) largest_stale_ = true;
  oldest_ = (oldest_ + 1) % capacity_;
  --count_;
}

void BufferHistory::record(std::size_t size, Clock::time_point now) {
  while (count_ > 0 && now - slot(0).at > options_.max_age) drop_oldest();
  if (count_ == capacity_) {
    if (!unbounded_) {
      drop_oldest();
    } else {
      // The bug: age is the only bound, so a burst grows the ring. It doubles,
      // as a growable ring buffer (or a vector) does.
      const std::size_t grown_capacity = 2 * capacity_;
      std::unique_ptr<Entry[]> grown(new Entry[grown_capacity]);
      for (std::size_t i = 0; i < count_; ++i) grown[i] = slot(i);
      slots_ = std::move(grown);
      capacity_ = grown_capacity;
      oldest_ = 0;
    }
  }
  slots_[(oldest_ + count_) % capacity_] = {size, now};
  ++count_;
  if (largest_stale_) return;  // rescanned on the next suggestion
  if (size > largest_) {
    largest_ = size;
    largest_count_ = 1;
  } else if (size == largest_) {
    ++largest_count_;
  }
}

void BufferHistory::rescan_largest() const {
  largest_ = 0;
  largest_count_ = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    const std::size_t size = slot(i).size;
    if (size > largest_) {
      largest_ = size;
      largest_count_ = 1;
    } else if (size == largest_) {
      ++largest_count_;
    }
  }
  largest_stale_ = false;
}

std::size_t BufferHistory::suggested_buffer_size() const {
  if (largest_stale_) rescan_largest();
  const std::size_t largest = std::clamp(largest_, options_.min_buffer, options_.max_buffer);
  const std::size_t rounded = std::bit_ceil(largest);
  return std::min(rounded, options_.max_buffer);
}

}  // namespace vigil::framework
