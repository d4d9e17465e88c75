#include "vigil/reports/import.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "gbench_fixtures.hpp"
#include "../support/tool_run.hpp"

namespace vigil::reports {
namespace {

using nlohmann::json;

TEST(Import, RepetitionsBecomeSamplesAndAggregatesAreNotDoubleCounted) {
  const Report r = import_google_benchmark(json::parse(test::gbench_with_repetitions()));
  EXPECT_EQ(r.tool, "bench");
  EXPECT_FALSE(validate(to_json(r)).has_value());
  const Metric& real = r.metrics.at("bench.route/static.real_time_ns");
  EXPECT_EQ(real.samples, (std::vector<double>{11, 12, 10}));
  EXPECT_DOUBLE_EQ(real.value, 11);  // median of the repetitions
  EXPECT_EQ(real.better, Better::Lower);
  EXPECT_EQ(real.unit, "ns");
  EXPECT_DOUBLE_EQ(r.metrics.at("bench.route/static.cpu_time_ns").value, 10.5);
  const Metric& allocs = r.metrics.at("bench.route/static.allocs_per_iter");
  EXPECT_DOUBLE_EQ(allocs.value, 0);
  EXPECT_EQ(allocs.better, Better::Lower);
  EXPECT_TRUE(allocs.samples.empty());  // deterministic: judged by threshold alone
  EXPECT_EQ(r.metrics.count("bench.route/static_mean.real_time_ns"), 0u);
  EXPECT_EQ(r.metrics.size(), 3u + 4u);
}

TEST(Import, ConvertsTimeUnitsAndKeepsCounters) {
  const Report r = import_google_benchmark(json::parse(test::gbench_with_repetitions()));
  const Metric& real = r.metrics.at("bench.json/render.real_time_ns");
  EXPECT_DOUBLE_EQ(real.value, 2500);
  EXPECT_TRUE(real.samples.empty());  // a single run carries no samples
  EXPECT_DOUBLE_EQ(r.metrics.at("bench.json/render.allocs_per_iter").value, 3);
  const Metric& rate = r.metrics.at("bench.json/render.bytes_per_second");
  EXPECT_EQ(rate.better, Better::Higher);
}

TEST(Import, AggregatesOnlyUsesTheMean) {
  const Report r = import_google_benchmark(json::parse(test::gbench_aggregates_only()));
  EXPECT_DOUBLE_EQ(r.metrics.at("bench.pool/acquire.real_time_ns").value, 20);
  EXPECT_TRUE(r.metrics.at("bench.pool/acquire.real_time_ns").samples.empty());
}

TEST(Import, BenchmarkErrorsAreBadInput) {
  try {
    import_google_benchmark(json::parse(test::gbench_with_error()));
    FAIL() << "expected ReportError";
  } catch (const ReportError& e) {
    EXPECT_STREQ(e.what(), "benchmark \"route/github_api\" failed: route not found: /repos/x/y");
  }
  EXPECT_THROW(import_google_benchmark(json::parse(R"({"benchmarks": []})")), ReportError);
  EXPECT_THROW(import_google_benchmark(json::parse("{" + test::gbench_context() +
                                                   R"(, "benchmarks": [{"name": "x", "time_unit": "ns"}]})")),
               ReportError);
}

TEST(Import, LoadAnyDetectsTheFormat) {
  vigil::test::ScratchDir dir;
  const auto gb = dir.write("gb.json", test::gbench_with_repetitions());
  EXPECT_EQ(load_any_report(gb).tool, "bench");
  const auto rep = dir.path() / "r.json";
  write_report(make_report("pool"), rep);
  EXPECT_EQ(load_any_report(rep).tool, "pool");
  const auto bad = dir.write("bad.json", test::gbench_with_error());
  EXPECT_THROW(load_any_report(bad), ReportError);
  EXPECT_THROW(load_any_report(dir.write("x.json", "[1, 2]")), ReportError);
}

}  // namespace
}  // namespace vigil::reports

namespace vigil::reports {
namespace {

TEST(Import, NonFiniteNumbersFromGoogleBenchmarkAreRead) {
  vigil::test::ScratchDir dir;
  std::string text = test::gbench_with_repetitions();
  const std::string from = "\"bytes_per_second\": 1.0e9";
  text.replace(text.find(from), from.size(), "\"bytes_per_second\": NaN, \"note\": \"inf NaN\", \"x\": -inf");
  const Report r = load_any_report(dir.write("gb.json", text));
  EXPECT_TRUE(std::isnan(r.metrics.at("bench.json/render.bytes_per_second").value));
  EXPECT_TRUE(std::isnan(r.metrics.at("bench.json/render.x").value));
  EXPECT_THROW(read_json_file(dir.write("bad.json", "{\"a\": nope}")), ReportError);
}

}  // namespace
}  // namespace vigil::reports
