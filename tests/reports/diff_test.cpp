#include "vigil/reports/diff.hpp"

#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace vigil::reports {
namespace {

Report with_metric(const std::string& name, double value, Better better, std::vector<double> samples = {}) {
  Report r = make_report("test");
  r.set_metric(name, value, "ns", better, std::move(samples));
  return r;
}

const MetricChange& only(const DiffResult& d) {
  EXPECT_EQ(d.metrics.size(), 1u);
  return d.metrics.front();
}

TEST(Diff, DirectionDecidesWhatIsARegression) {
  const DiffOptions o;
  EXPECT_EQ(only(diff_reports(with_metric("t", 100, Better::Lower), with_metric("t", 110, Better::Lower), o)).status,
            ChangeStatus::Regression);
  EXPECT_EQ(only(diff_reports(with_metric("t", 100, Better::Lower), with_metric("t", 90, Better::Lower), o)).status,
            ChangeStatus::Improvement);
  EXPECT_EQ(only(diff_reports(with_metric("r", 0.9, Better::Higher), with_metric("r", 0.5, Better::Higher), o)).status,
            ChangeStatus::Regression);
  EXPECT_EQ(only(diff_reports(with_metric("t", 100, Better::Lower), with_metric("t", 104, Better::Lower), o)).status,
            ChangeStatus::Unchanged);
  EXPECT_EQ(only(diff_reports(with_metric("n", 1, Better::None), with_metric("n", 100, Better::None), o)).status,
            ChangeStatus::NotGated);
  const auto c = only(diff_reports(with_metric("t", 100, Better::Lower), with_metric("t", 110, Better::Lower), o));
  EXPECT_NEAR(c.relative, 0.10, 1e-12);
}

TEST(Diff, ZeroBaselineAndAbsoluteFloor) {
  DiffOptions o;
  const auto from_zero = only(diff_reports(with_metric("allocs", 0, Better::Lower), with_metric("allocs", 1, Better::Lower), o));
  EXPECT_EQ(from_zero.status, ChangeStatus::Regression);
  EXPECT_TRUE(std::isinf(from_zero.relative));
  // 0.3 ns -> 0.4 ns is +33%, but below a 0.5 ns floor it means nothing.
  o.thresholds.add_rule(ThresholdRule{"tiny.*", 0.05, 0.5, true, "timer resolution"});
  EXPECT_EQ(only(diff_reports(with_metric("tiny.x", 0.3, Better::Lower), with_metric("tiny.x", 0.4, Better::Lower), o)).status,
            ChangeStatus::Unchanged);
  EXPECT_EQ(only(diff_reports(with_metric("tiny.x", 0.3, Better::Lower), with_metric("tiny.x", 0.9, Better::Lower), o)).status,
            ChangeStatus::Regression);
}

TEST(Diff, UngatedRuleNeverFails) {
  DiffOptions o;
  o.thresholds.add_rule(ThresholdRule{"*_ns", 0.05, 0, false, "noisy"});
  const auto d = diff_reports(with_metric("x_ns", 1, Better::Lower), with_metric("x_ns", 5, Better::Lower), o);
  EXPECT_EQ(only(d).status, ChangeStatus::NotGated);
  EXPECT_FALSE(d.failed());
}

TEST(Diff, SamplesRequireSignificance) {
  const DiffOptions o;
  // Overlapping samples: medians move 10% but the test sees noise.
  const auto noisy = only(diff_reports(with_metric("t", 100, Better::Lower, {80, 120, 95, 130, 70, 100}),
                                       with_metric("t", 110, Better::Lower, {75, 125, 110, 140, 90, 105}), o));
  ASSERT_TRUE(noisy.p_value.has_value());
  EXPECT_GT(*noisy.p_value, 0.05);
  EXPECT_EQ(noisy.status, ChangeStatus::WithinNoise);
  // Separated samples: significant.
  const auto clear = only(diff_reports(with_metric("t", 100, Better::Lower, {99, 100, 101, 100.5, 99.5, 100.2}),
                                       with_metric("t", 110, Better::Lower, {109, 110, 111, 110.5, 109.5, 110.2}), o));
  EXPECT_LT(*clear.p_value, 0.05);
  EXPECT_EQ(clear.status, ChangeStatus::Regression);
}

TEST(Diff, TooFewSamplesFallBackToTheThreshold) {
  // 3 vs 3 can never reach p < 0.05 (smallest p = 0.1): the threshold decides.
  const auto c = only(diff_reports(with_metric("t", 100, Better::Lower, {99, 100, 101}),
                                   with_metric("t", 150, Better::Lower, {149, 150, 151}), DiffOptions{}));
  EXPECT_TRUE(c.test_too_small);
  EXPECT_EQ(c.status, ChangeStatus::Regression);
}

TEST(Diff, NewMetricsAreListedNotFailed) {
  const auto d = diff_reports(make_report("test"), with_metric("new", 1, Better::Lower), DiffOptions{});
  EXPECT_EQ(only(d).status, ChangeStatus::OnlyInCurrent);
  EXPECT_FALSE(d.failed());
}

TEST(Diff, AGatedMetricThatVanishesFailsTheGate) {
  const auto d = diff_reports(with_metric("leak.unreachable_bytes", 0, Better::Lower), make_report("test"),
                              DiffOptions{});
  EXPECT_EQ(only(d).status, ChangeStatus::Missing);
  EXPECT_TRUE(d.failed());
  const Report r = diff_to_report(d);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, "missing-metric");
  EXPECT_NE(r.findings[0].message.find("leak.unreachable_bytes"), std::string::npos);
  EXPECT_NE(format_diff_text(d).find("1 missing"), std::string::npos);
}

TEST(Diff, MetricsThatAreNotGatedMayVanish) {
  DiffOptions o;
  o.thresholds.add_rule(ThresholdRule{"*_ns", 0.05, 0, false, "noisy"});
  EXPECT_FALSE(diff_reports(with_metric("x_ns", 1, Better::Lower), make_report("test"), o).failed());
  EXPECT_FALSE(diff_reports(with_metric("n", 1, Better::None), make_report("test"), o).failed());
}

TEST(Diff, OptionalMetricsMayVanishWithTheirReason) {
  DiffOptions o;
  o.thresholds.add_optional({"bench.*R3.*", "measured only where libr3 is installed"});
  const auto d = diff_reports(with_metric("bench.BM_RouteGithubAllR3.allocs_per_iter", 4.7, Better::Lower),
                              make_report("test"), o);
  EXPECT_EQ(only(d).status, ChangeStatus::OnlyInBase);
  EXPECT_EQ(only(d).optional_reason, "measured only where libr3 is installed");
  EXPECT_FALSE(d.failed());
  EXPECT_NE(format_diff_text(d).find("optional: measured only where libr3"), std::string::npos);
  // Optional is about presence only: when the metric is there, it is gated as usual.
  EXPECT_TRUE(diff_reports(with_metric("bench.BM_RouteGithubAllR3.allocs_per_iter", 4.7, Better::Lower),
                           with_metric("bench.BM_RouteGithubAllR3.allocs_per_iter", 9, Better::Lower), o)
                  .failed());
}

Report with_breakdown(double f, double g, double h) {
  Report r = with_metric("count.BM_X.instructions", f + g + h, Better::Lower);
  Breakdown b{"function", {{"f()", "app", "", f}, {"g()", "app", "", g}}};
  if (h != 0) b.entries.push_back({"h()", "libc.so.6", "", h});
  r.breakdowns["count.BM_X.instructions"] = b;
  return r;
}

TEST(Diff, ARegressionNamesWhereItWent) {
  const auto d = diff_reports(with_breakdown(100, 50, 0), with_breakdown(100, 80, 5), DiffOptions{});
  const auto& c = only(d);
  EXPECT_EQ(c.status, ChangeStatus::Regression);
  ASSERT_EQ(c.moved_parts.size(), 2u);  // f() did not move
  EXPECT_EQ(c.moved_parts[0].name, "g()");
  EXPECT_DOUBLE_EQ(c.moved_parts[0].delta(), 30);
  EXPECT_EQ(c.moved_parts[1].name, "h()");
  EXPECT_NE(format_diff_text(d).find("where it went: +30.0 g() (app), +5.0 h() (libc.so.6)"), std::string::npos)
      << format_diff_text(d);
  const Report r = diff_to_report(d);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_NE(r.findings[0].message.find("largest changes: +30.0 g()"), std::string::npos) << r.findings[0].message;
  EXPECT_EQ(r.findings[0].extra["where"][0]["name"], "g()");
}

TEST(Breakdown, ShortNamesForTerminals) {
  EXPECT_EQ(short_name("void fmt::v9::detail::vformat_to<char>(fmt::v9::detail::buffer<char>&, "
                       "fmt::v9::basic_string_view<char>, fmt::v9::basic_format_args<fmt::v9::basic_format_context<"
                       "fmt::v9::appender, char> >, fmt::v9::detail::locale_ref)"),
            "void fmt::v9::detail::vformat_to<char>(...)");
  EXPECT_EQ(short_name("(anonymous namespace)::BM_Sum(benchmark::State&)"),
            "(anonymous namespace)::BM_Sum(benchmark::State&)");
  EXPECT_EQ(short_name("bool operator<(A const&, B const&)"), "bool operator<(A const&, B const&)");
  EXPECT_EQ(short_name("f(g(int)"), "f(g(int)");
}

TEST(Diff, NonFiniteValuesAreNotComparable) {
  const auto c = only(diff_reports(with_metric("t", std::nan(""), Better::Lower), with_metric("t", 5, Better::Lower),
                                   DiffOptions{}));
  EXPECT_EQ(c.status, ChangeStatus::NotComparable);
}

Finding leak_at(const std::string& function, double bytes, Severity s = Severity::Error) {
  Finding f;
  f.kind = "leak";
  f.severity = s;
  f.message = fmt::format("{} bytes per cycle", bytes);
  f.bytes = bytes;
  f.stack.push_back(Frame{function, "event.cpp", 42, "", 0});
  return f;
}

TEST(Diff, NewAndResolvedFindings) {
  Report base = make_report("leak-test"), cur = make_report("leak-test");
  base.add_finding(leak_at("a", 100));
  base.add_finding(leak_at("gone", 100));
  cur.add_finding(leak_at("a", 200));  // same site, other size: not new
  cur.add_finding(leak_at("b", 64));
  const auto d = diff_reports(base, cur, DiffOptions{});
  ASSERT_EQ(d.new_findings.size(), 1u);
  EXPECT_EQ(d.new_findings[0].stack[0].function, "b");
  ASSERT_EQ(d.resolved_findings.size(), 1u);
  EXPECT_EQ(d.resolved_findings[0].stack[0].function, "gone");
  EXPECT_TRUE(d.failed());

  Report warn = make_report("leak-test");
  warn.add_finding(leak_at("c", 1, Severity::Warning));
  EXPECT_FALSE(diff_reports(make_report("leak-test"), warn, DiffOptions{}).failed());
  // Stack-less findings match by message with numbers removed.
  Report m1 = make_report("x"), m2 = make_report("x");
  Finding f;
  f.kind = "thread-leak";
  f.message = "3 threads still running";
  m1.add_finding(f);
  f.message = "7 threads still running";
  m2.add_finding(f);
  EXPECT_TRUE(diff_reports(m1, m2, DiffOptions{}).new_findings.empty());
}

TEST(Diff, AsReportIsValidAndCarriesTheVerdict) {
  DiffResult d = diff_reports(with_metric("t", 100, Better::Lower), with_metric("t", 200, Better::Lower), DiffOptions{});
  d.base_name = "base.json";
  d.current_name = "cur.json";
  const Report r = diff_to_report(d);
  EXPECT_FALSE(validate(to_json(r)).has_value());
  EXPECT_EQ(r.verdict, Verdict::Fail);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, "regression");
  EXPECT_DOUBLE_EQ(r.metrics.at("diff.regressions").value, 1);
  const std::string text = format_diff_text(d);
  EXPECT_NE(text.find("+100.0%"), std::string::npos);
  EXPECT_NE(text.find("FAIL"), std::string::npos);
}

}  // namespace
}  // namespace vigil::reports
