#include "vigil/framework/buffer_history.hpp"

#include <algorithm>
#include <bit>

namespace vigil::framework {

BufferHistory::BufferHistory(DefectSet defects, BufferHistoryOptions options)
    : options_(options), unbounded_(defects.has(Defect::HistoryUnbounded)) {
  if (options_.max_entries == 0) options_.max_entries = 1;
  if (options_.max_buffer < options_.min_buffer) options_.max_buffer = options_.min_buffer;
}

void BufferHistory::record(std::size_t size, Clock::time_point now) {
  entries_.push_back({size, now});
  while (!entries_.empty() && now - entries_.front().at > options_.max_age) entries_.pop_front();
  if (unbounded_) return;  // the bug: age is the only bound, so a burst grows it
  while (entries_.size() > options_.max_entries) entries_.pop_front();
}

std::size_t BufferHistory::suggested_buffer_size() const {
  std::size_t largest = 0;
  for (const auto& e : entries_) largest = std::max(largest, e.size);
  largest = std::clamp(largest, options_.min_buffer, options_.max_buffer);
  const std::size_t rounded = std::bit_ceil(largest);
  return std::min(rounded, options_.max_buffer);
}

}  // namespace vigil::framework
