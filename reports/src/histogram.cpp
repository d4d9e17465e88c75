#include "vigil/reports/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include <fmt/format.h>

#include "vigil/reports/report.hpp"

namespace vigil::reports {

using nlohmann::json;

std::size_t Histogram::bucket_of(std::uint64_t value) {
  if (value < kSubBuckets) return static_cast<std::size_t>(value);
  if (value >> kMaxBits) return kBuckets - 1;
  const unsigned top_bit = 63u - static_cast<unsigned>(std::countl_zero(value));
  const unsigned shift = top_bit - kSubBucketBits;
  // (value >> shift) is in [kSubBuckets, 2 kSubBuckets): the bucket within
  // the octave, after the shift-th group of kSubBuckets.
  return static_cast<std::size_t>(shift) * kSubBuckets + static_cast<std::size_t>(value >> shift);
}

std::uint64_t Histogram::bucket_lower(std::size_t index) {
  if (index < 2 * kSubBuckets) return index;
  const std::size_t shift = index / kSubBuckets - 1;
  const std::uint64_t mantissa = index - shift * kSubBuckets;
  return mantissa << shift;
}

std::uint64_t Histogram::bucket_upper(std::size_t index) {
  if (index < 2 * kSubBuckets) return index + 1;
  const std::size_t shift = index / kSubBuckets - 1;
  return bucket_lower(index) + (std::uint64_t{1} << shift);
}

void Histogram::record(std::uint64_t value, std::uint64_t count) {
  if (count == 0) return;
  counts_[bucket_of(value)] += count;
  count_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value) * static_cast<long double>(count);
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void Histogram::clear() { *this = Histogram{}; }

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

double Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  if (!(p > 0)) return static_cast<double>(min_);
  if (p >= 100) return static_cast<double>(max_);
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen < rank) continue;
    const std::uint64_t lower = bucket_lower(i), last = bucket_upper(i) - 1;
    const double mid = static_cast<double>(lower) + static_cast<double>(last - lower) / 2.0;
    return std::clamp(mid, static_cast<double>(min_), static_cast<double>(max_));
  }
  return static_cast<double>(max_);
}

std::uint64_t Histogram::count_at_or_below(std::uint64_t value) const {
  const std::size_t last = bucket_of(value);
  std::uint64_t n = 0;
  for (std::size_t i = 0; i <= last; ++i) n += counts_[i];
  return n;
}

bool Histogram::operator==(const Histogram& other) const {
  return count_ == other.count_ && min() == other.min() && max_ == other.max_ && counts_ == other.counts_;
}

json Histogram::to_json(const std::string& unit) const {
  json buckets = json::array();
  for (std::size_t i = 0; i < kBuckets; ++i) {
    if (counts_[i] != 0) buckets.push_back(json::array({i, counts_[i]}));
  }
  return {{"unit", unit},
          {"sub_bucket_bits", kSubBucketBits},
          {"count", count_},
          {"min", min()},
          {"max", max_},
          {"sum", static_cast<double>(sum_)},
          {"buckets", std::move(buckets)}};
}

std::optional<std::string> Histogram::validate(const json& j, const std::string& path) {
  if (!j.is_object()) return fmt::format("{}: expected a histogram object", path);
  for (const char* key : {"count", "min", "max"}) {
    if (!j.contains(key) || !j[key].is_number_unsigned()) {
      return fmt::format("{}.{}: expected a non-negative integer", path, key);
    }
  }
  if (!j.contains("unit") || !j["unit"].is_string()) return fmt::format("{}.unit: expected a string", path);
  if (!j.contains("sum") || !j["sum"].is_number()) return fmt::format("{}.sum: expected a number", path);
  if (!j.contains("sub_bucket_bits") || !j["sub_bucket_bits"].is_number_unsigned() ||
      j["sub_bucket_bits"].get<std::uint64_t>() != kSubBucketBits) {
    return fmt::format("{}.sub_bucket_bits: expected {} (the only layout this version reads)", path,
                       kSubBucketBits);
  }
  if (!j.contains("buckets") || !j["buckets"].is_array()) {
    return fmt::format("{}.buckets: expected an array of [index, count] pairs", path);
  }
  std::uint64_t total = 0;
  std::uint64_t next_index = 0;
  const auto& buckets = j["buckets"];
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const auto& b = buckets[i];
    const bool pair = b.is_array() && b.size() == 2 && b[0].is_number_unsigned() && b[1].is_number_unsigned();
    if (!pair || b[0].get<std::uint64_t>() >= kBuckets || b[0].get<std::uint64_t>() < next_index ||
        b[1].get<std::uint64_t>() == 0) {
      return fmt::format("{}.buckets[{}]: expected [index, count] with increasing index below {} and count > 0",
                         path, i, kBuckets);
    }
    next_index = b[0].get<std::uint64_t>() + 1;
    total += b[1].get<std::uint64_t>();
  }
  const auto count = j["count"].get<std::uint64_t>();
  if (total != count) return fmt::format("{}.count: {} but the buckets hold {}", path, count, total);
  if (count > 0 && j["min"].get<std::uint64_t>() > j["max"].get<std::uint64_t>()) {
    return fmt::format("{}.min: above max", path);
  }
  return std::nullopt;
}

Histogram Histogram::from_json(const json& j) {
  if (auto problem = validate(j, "histogram")) throw ReportError(*problem);
  Histogram h;
  for (const auto& b : j["buckets"]) {
    h.counts_[b[0].get<std::size_t>()] = b[1].get<std::uint64_t>();
  }
  h.count_ = j["count"].get<std::uint64_t>();
  if (h.count_ > 0) {
    h.min_ = j["min"].get<std::uint64_t>();
    h.max_ = j["max"].get<std::uint64_t>();
  }
  h.sum_ = j["sum"].get<double>();
  return h;
}

}  // namespace vigil::reports
