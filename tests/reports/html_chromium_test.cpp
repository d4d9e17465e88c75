// The HTML report in a real browser: headless Chromium loads it without
// console errors and its charts are drawn (lines with length, bars with width).
#include <filesystem>

#include <gtest/gtest.h>

#include "chromium_page.hpp"
#include "render_fixtures.hpp"
#include "vigil/reports/render.hpp"

namespace vigil::reports {
namespace {

// Run on a copy of the page only: the report itself carries no script.
constexpr const char* kCheckScript = R"(
console.log("vigil-check");
var lines = 0, bars = 0;
document.querySelectorAll("svg polyline").forEach(function (p) { if (p.getTotalLength() > 0) lines++; });
document.querySelectorAll("svg rect.bar").forEach(function (r) { if (r.getBBox().width > 0) bars++; });
document.body.setAttribute("data-lines", lines);
document.body.setAttribute("data-bars", bars);
document.body.setAttribute("data-svgs", document.querySelectorAll("svg").length);
)";

TEST(HtmlInChromium, LoadsCleanlyAndDrawsItsCharts) {
  if (!std::filesystem::exists(test::kChromium)) GTEST_SKIP() << "chromium is not installed";
  vigil::test::ScratchDir dir;
  const auto result = test::load_in_chromium(render_html(test::sample_diff()), kCheckScript, dir);
  ASSERT_EQ(result.exit_code, 0) << result.log;
  EXPECT_EQ(test::attribute(result.dom, "data-svgs"), 5) << result.dom.substr(0, 400);
  EXPECT_EQ(test::attribute(result.dom, "data-lines"), 2);  // live_bytes before and after
  EXPECT_EQ(test::attribute(result.dom, "data-bars"), 3 + 3 * 2);  // change chart + before/after per metric
  test::expect_clean_console(result, "vigil-check");
}

}  // namespace
}  // namespace vigil::reports
