#include "vigil/reports/thresholds.hpp"

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::reports {
namespace {

TEST(Thresholds, ParsesPercentAndFractions) {
  EXPECT_DOUBLE_EQ(*parse_relative_threshold("5%"), 0.05);
  EXPECT_DOUBLE_EQ(*parse_relative_threshold("0.1"), 0.1);
  EXPECT_DOUBLE_EQ(*parse_relative_threshold("0%"), 0);
  EXPECT_FALSE(parse_relative_threshold("").has_value());
  EXPECT_FALSE(parse_relative_threshold("five").has_value());
  EXPECT_FALSE(parse_relative_threshold("-5%").has_value());
  EXPECT_FALSE(parse_relative_threshold("5%%").has_value());
}

TEST(Thresholds, FirstMatchingGlobWins) {
  vigil::test::ScratchDir dir;
  const auto path = dir.write("t.json", R"({
    "default": {"relative": "5%", "absolute": 0},
    "rules": [
      {"metrics": "bench.*.allocs_per_iter", "relative": 0, "absolute": 0.01, "reason": "deterministic"},
      {"metrics": "bench.*_time_ns", "gate": false, "reason": "shared CI machine"},
      {"metrics": "bench.*", "relative": "20%"}
    ]})");
  const Thresholds t = Thresholds::load(path);
  EXPECT_DOUBLE_EQ(t.for_metric("bench.route/static.allocs_per_iter").relative, 0);
  EXPECT_DOUBLE_EQ(t.for_metric("bench.route/static.allocs_per_iter").absolute, 0.01);
  EXPECT_FALSE(t.for_metric("bench.route/static.real_time_ns").gate);
  EXPECT_EQ(t.for_metric("bench.route/static.real_time_ns").reason, "shared CI machine");
  EXPECT_DOUBLE_EQ(t.for_metric("bench.x.items_per_second").relative, 0.2);
  EXPECT_DOUBLE_EQ(t.for_metric("leak.bytes_per_cycle").relative, 0.05);
  EXPECT_TRUE(t.for_metric("leak.bytes_per_cycle").gate);
}

TEST(Thresholds, OptionalMetricsNeedAReason) {
  vigil::test::ScratchDir dir;
  const Thresholds t = Thresholds::load(dir.write("o.json", R"({
    "optional": [{"metrics": "leak.unreachable_*", "reason": "written only when the exit scan ran"}]})"));
  EXPECT_EQ(t.optional_reason("leak.unreachable_bytes"), "written only when the exit scan ran");
  EXPECT_FALSE(t.optional_reason("leak.bytes_per_cycle").has_value());
  EXPECT_THROW(Thresholds::load(dir.write("n.json", R"({"optional": [{"metrics": "x"}]})")), ReportError);
  EXPECT_THROW(Thresholds::load(dir.write("e.json", R"({"optional": [{"metrics": "x", "reason": ""}]})")),
               ReportError);
  EXPECT_THROW(Thresholds::load(dir.write("g.json", R"({"optional": [{"reason": "why"}]})")), ReportError);
  EXPECT_THROW(Thresholds::load(dir.write("a.json", R"({"optional": {"metrics": "x"}})")), ReportError);
}

TEST(Thresholds, BadFilesAreReported) {
  vigil::test::ScratchDir dir;
  EXPECT_THROW(Thresholds::load(dir.path() / "none.json"), ReportError);
  EXPECT_THROW(Thresholds::load(dir.write("a.json", "[]")), ReportError);
  EXPECT_THROW(Thresholds::load(dir.write("b.json", R"({"rules": [{"relative": 1}]})")), ReportError);
  EXPECT_THROW(Thresholds::load(dir.write("c.json", R"({"default": {"relative": "lots"}})")), ReportError);
  EXPECT_THROW(Thresholds::load(dir.write("d.json", R"({"rules": [{"metrics": "x", "gate": "no"}]})")),
               ReportError);
}

}  // namespace
}  // namespace vigil::reports
