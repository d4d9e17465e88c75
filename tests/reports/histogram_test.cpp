// The log-linear histogram: its relative error bound, constant size, exact
// merge, and its JSON form inside reports.

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/reports/histogram.hpp"
#include "vigil/reports/report.hpp"

namespace {

using vigil::reports::Histogram;

// The exact nearest-rank percentile of sorted values.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

std::vector<std::uint64_t> log_uniform(std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(0, 12);  // 1 ns to 1000 s
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint64_t>(std::pow(10.0, exponent(rng))));
  return out;
}

TEST(Histogram, BucketsTileTheRangeWithBoundedWidth) {
  for (std::size_t i = 0; i + 1 < Histogram::kBuckets; ++i) {
    ASSERT_EQ(Histogram::bucket_upper(i), Histogram::bucket_lower(i + 1)) << i;
    const double width = static_cast<double>(Histogram::bucket_upper(i) - Histogram::bucket_lower(i));
    if (i < Histogram::kSubBuckets) {
      ASSERT_EQ(width, 1) << i;  // small values: one bucket each
    } else {
      ASSERT_LE(width / static_cast<double>(Histogram::bucket_lower(i)), 1.0 / Histogram::kSubBuckets) << i;
    }
  }
  for (std::uint64_t v : {0ull, 1ull, 127ull, 128ull, 255ull, 256ull, 1000ull, 123456789ull, (1ull << 40) - 1}) {
    const std::size_t b = Histogram::bucket_of(v);
    EXPECT_LE(Histogram::bucket_lower(b), v);
    EXPECT_GT(Histogram::bucket_upper(b), v);
  }
  EXPECT_EQ(Histogram::bucket_of(UINT64_MAX), Histogram::kBuckets - 1);
}

TEST(Histogram, PercentilesWithinOnePercentOfExact) {
  auto values = log_uniform(200'000, 7);
  Histogram h;
  for (auto v : values) h.record(v);
  std::sort(values.begin(), values.end());
  for (double p : {1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99}) {
    const double exact = static_cast<double>(exact_percentile(values, p));
    const double got = h.percentile(p);
    EXPECT_LE(std::fabs(got - exact), exact * Histogram::kRelativeError + 0.5) << "p" << p;
    EXPECT_LE(Histogram::kRelativeError, 0.01);
  }
  EXPECT_EQ(h.percentile(100), static_cast<double>(values.back()));
  EXPECT_EQ(h.percentile(0), static_cast<double>(values.front()));
  EXPECT_EQ(h.count(), values.size());
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 0; v < 128; ++v) h.record(v);
  for (double p = 1; p <= 100; p += 1) {
    EXPECT_EQ(h.percentile(p), std::ceil(p / 100 * 128) - 1) << p;
  }
}

TEST(Histogram, MemoryIsConstant) {
  // The whole histogram is its counters: recording more values never grows it.
  EXPECT_LE(sizeof(Histogram), Histogram::kBuckets * sizeof(std::uint64_t) + 64);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  const auto a = log_uniform(50'000, 1), b = log_uniform(30'000, 2);
  Histogram ha, hb, all;
  for (std::uint64_t v : {0, 0, 1, 127}) {  // the exact buckets merge too
    hb.record(v);
    all.record(v);
  }
  for (auto v : a) {
    ha.record(v);
    all.record(v);
  }
  for (auto v : b) {
    hb.record(v);
    all.record(v);
  }
  Histogram merged = ha;
  merged.merge(hb);
  EXPECT_TRUE(merged == all);
  for (double p : {50.0, 99.0, 99.9}) EXPECT_EQ(merged.percentile(p), all.percentile(p));
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  Histogram empty;
  merged.merge(empty);
  EXPECT_TRUE(merged == all);
}

TEST(Histogram, JsonRoundTripIsExact) {
  Histogram h;
  for (auto v : log_uniform(10'000, 3)) h.record(v);
  const auto j = h.to_json("ns");
  EXPECT_FALSE(Histogram::validate(j, "h").has_value());
  EXPECT_TRUE(Histogram::from_json(j) == h);
  const Histogram empty;
  EXPECT_TRUE(Histogram::from_json(empty.to_json("ns")) == empty);
}

TEST(Histogram, ValidationNamesTheProblem) {
  Histogram h;
  h.record(1000, 3);
  auto j = h.to_json("ns");
  auto bad = j;
  bad["count"] = 4;
  EXPECT_NE(Histogram::validate(bad, "h")->find("h.count"), std::string::npos);
  bad = j;
  bad["buckets"] = nlohmann::json::array({nlohmann::json::array({Histogram::kBuckets, 3})});
  EXPECT_TRUE(Histogram::validate(bad, "h").has_value());
  bad = j;
  bad["sub_bucket_bits"] = 5;
  EXPECT_NE(Histogram::validate(bad, "h")->find("sub_bucket_bits"), std::string::npos);
  bad = j;
  bad.erase("min");
  EXPECT_TRUE(Histogram::validate(bad, "h").has_value());
}

TEST(Histogram, ReportsCarryHistogramSeriesAndStayValidWithout) {
  vigil::reports::Report r = vigil::reports::make_report("load");
  Histogram h;
  h.record(5'000'000, 10);
  r.histograms["load.latency"] = {"s", "ns", {{0.0, h}, {1.5, Histogram{}}}};
  const auto j = vigil::reports::to_json(r);
  ASSERT_FALSE(vigil::reports::validate(j).has_value()) << *vigil::reports::validate(j);
  const auto back = vigil::reports::from_json(j);
  ASSERT_EQ(back.histograms.count("load.latency"), 1u);
  EXPECT_TRUE(back.histograms.at("load.latency").points[0].second == h);
  EXPECT_EQ(back.histograms.at("load.latency").points[1].first, 1.5);

  auto broken = j;
  broken["histograms"]["load.latency"]["points"][0][1]["count"] = 11;
  ASSERT_TRUE(vigil::reports::validate(broken).has_value());
  EXPECT_NE(vigil::reports::validate(broken)->find("histograms.load.latency.points[0][1].count"), std::string::npos);

  // A report written before histograms existed stays valid.
  auto old = j;
  old.erase("histograms");
  EXPECT_FALSE(vigil::reports::validate(old).has_value());
  EXPECT_TRUE(vigil::reports::from_json(old).histograms.empty());
}

}  // namespace
