#include "vigil/reports/render.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "render_fixtures.hpp"

namespace vigil::reports {
namespace {

int occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(RenderMarkdown, DiffTableLeadsWithWhatMoved) {
  const std::string md = render_markdown(test::sample_diff());
  EXPECT_NE(md.find("### Vigil: baseline → current: ❌ fail"), std::string::npos) << md;
  EXPECT_NE(md.find("| `leak.bytes_per_cycle` | 0 | 4096 | +inf% |"), std::string::npos) << md;
  EXPECT_NE(md.find("❌ regression"), std::string::npos);
  EXPECT_NE(md.find("✅ improvement"), std::string::npos);
  EXPECT_NE(md.find("<details>"), std::string::npos);
  EXPECT_NE(md.find("only.base\\|pipe"), std::string::npos);  // pipes escaped in cells
  EXPECT_NE(md.find("**New findings in current (1)**"), std::string::npos);
  EXPECT_LT(md.find("leak.bytes_per_cycle"), md.find("pool.reuse_ratio"));
}

TEST(RenderMarkdown, BeforeAfterLabelsReadAsAFix) {
  const std::string md = render_markdown(test::sample_diff("before", "after"));
  EXPECT_NE(md.find("### Vigil: before → after"), std::string::npos);
  EXPECT_NE(md.find("| metric | before | after |"), std::string::npos);
  EXPECT_NE(md.find("✅ better"), std::string::npos);
  EXPECT_NE(md.find("❌ worse"), std::string::npos);
}

TEST(RenderMarkdown, SingleReport) {
  const auto d = test::sample_diff();
  const std::string md = render_markdown(d.current);
  EXPECT_NE(md.find("### Vigil leak-test"), std::string::npos);
  EXPECT_NE(md.find("| `route.lookup_ns` | 20 | ns | lower | 6 |"), std::string::npos) << md;
  EXPECT_NE(md.find("at `vigil::framework::Event::reset` (event.cpp:42)"), std::string::npos) << md;
}

TEST(RenderJunit, OneCasePerGatedMetric) {
  const std::string xml = render_junit(test::sample_diff());
  // Gated and on both sides: leak.bytes_per_cycle, pool.reuse_ratio, route.lookup_ns; plus the new error finding.
  EXPECT_EQ(occurrences(xml, "<testcase "), 4) << xml;
  EXPECT_EQ(occurrences(xml, "<failure "), 2) << xml;
  EXPECT_NE(xml.find("tests=\"4\" failures=\"2\""), std::string::npos);
  EXPECT_NE(xml.find("&lt;std::string&gt;"), std::string::npos);  // escaped
  EXPECT_EQ(xml.find("<std::string>"), std::string::npos);
  const std::string single = render_junit(test::sample_diff().current);
  EXPECT_EQ(occurrences(single, "<testcase "), 4);  // three metrics and the error finding
}

TEST(RenderHtml, SelfContainedWithChartsOfEverySeriesAndMetric) {
  const std::string html = render_html(test::sample_diff());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  // No network: nothing is fetched from anywhere.
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  // live_bytes: before and after drawn together (two polylines in one chart).
  EXPECT_EQ(occurrences(html, "<polyline"), 2);
  // Change chart + one before/after chart per metric on both sides (3).
  EXPECT_EQ(occurrences(html, "<svg"), 1 + 3 + 1);
  EXPECT_NE(html.find("&lt;std::string&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<std::string>"), std::string::npos);
  const std::string single = render_html(test::sample_diff().current);
  EXPECT_EQ(occurrences(single, "<polyline"), 1);
}

}  // namespace
}  // namespace vigil::reports
