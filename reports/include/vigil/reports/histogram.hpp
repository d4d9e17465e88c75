#pragma once
// A log-linear histogram of non-negative integer values (latencies in ns):
// values below 2^kSubBucketBits are counted exactly; above, each power of two
// is split into 2^kSubBucketBits equal buckets, so a bucket is at most 1/128
// of its lower bound wide and a percentile read back (the bucket's midpoint)
// is within 0.4% of the true value. Memory is constant (kBuckets counters)
// for any number of values, and two histograms merge exactly by adding
// counters, which is how reports from several generators combine.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace vigil::reports {

class Histogram {
 public:
  static constexpr unsigned kSubBucketBits = 7;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;
  // Values at or above 2^kMaxBits (about 18 minutes in ns) share the top bucket.
  static constexpr unsigned kMaxBits = 40;
  static constexpr std::size_t kBuckets = (kMaxBits - kSubBucketBits + 1) * kSubBuckets;
  // Largest relative distance of a percentile read back from the value recorded.
  static constexpr double kRelativeError = 1.0 / (2.0 * kSubBuckets);

  void record(std::uint64_t value) { record(value, 1); }
  void record(std::uint64_t value, std::uint64_t count);
  // Adds every value of `other`: the result is what recording both would give.
  void merge(const Histogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;
  // The value at percentile p in [0, 100] (nearest rank); 0 when empty.
  // Exact below 2^kSubBucketBits and at the recorded min and max.
  double percentile(double p) const;
  std::uint64_t count_at_or_below(std::uint64_t value) const;

  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t bucket_lower(std::size_t index);
  // One past the largest value of the bucket.
  static std::uint64_t bucket_upper(std::size_t index);

  bool operator==(const Histogram& other) const;

  // {"unit", "sub_bucket_bits", "count", "min", "max", "sum", "buckets": [[index, count], ...]}
  // with only the non-empty buckets.
  nlohmann::json to_json(const std::string& unit) const;
  // Empty when `j` is a valid histogram of this layout, else a one-line reason
  // naming `path`.
  static std::optional<std::string> validate(const nlohmann::json& j, const std::string& path);
  // Throws ReportError on an invalid histogram.
  static Histogram from_json(const nlohmann::json& j);

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  // Sum of the values, for the mean; long double keeps it exact far longer.
  long double sum_ = 0;
};

}  // namespace vigil::reports
