// The HTML report in a real browser: headless Chromium loads it without
// console errors and its charts are drawn (lines with length, bars with width).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "render_fixtures.hpp"
#include "../support/tool_run.hpp"
#include "vigil/reports/render.hpp"

namespace vigil::reports {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

// Appended to a copy of the page only: the report itself carries no script.
constexpr const char* kCheckScript = R"(<script>
console.log("vigil-check");
var lines = 0, bars = 0;
document.querySelectorAll("svg polyline").forEach(function (p) { if (p.getTotalLength() > 0) lines++; });
document.querySelectorAll("svg rect.bar").forEach(function (r) { if (r.getBBox().width > 0) bars++; });
document.body.setAttribute("data-lines", lines);
document.body.setAttribute("data-bars", bars);
document.body.setAttribute("data-svgs", document.querySelectorAll("svg").length);
</script></body>)";

// The value of a numeric attribute name="N" in the dumped DOM, -1 if absent.
int attribute(const std::string& dom, const std::string& name) {
  const std::string key = name + "=\"";
  const auto pos = dom.find(key);
  if (pos == std::string::npos) return -1;
  const auto start = pos + key.size();
  const auto end = dom.find('"', start);
  const std::string digits = dom.substr(start, end - start);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(digits);
}

TEST(HtmlInChromium, LoadsCleanlyAndDrawsItsCharts) {
  if (!std::filesystem::exists(kChromium)) GTEST_SKIP() << "chromium is not installed";
  vigil::test::ScratchDir dir;
  std::string html = render_html(test::sample_diff());
  const auto body_end = html.rfind("</body>");
  ASSERT_NE(body_end, std::string::npos);
  html.replace(body_end, 7, kCheckScript);
  const auto page = dir.write("report.html", html);

  const auto result = vigil::test::run_tool(
      kChromium,
      {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
       "--disable-background-networking", "--disable-component-update", "--disable-sync",
       "--user-data-dir=" + (dir.path() / "profile").string(), "--enable-logging=stderr", "--v=0",
       "--dump-dom", "file://" + page.string()},
      dir, std::chrono::seconds(120));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(attribute(result.out, "data-svgs"), 5) << result.out.substr(0, 400);
  EXPECT_EQ(attribute(result.out, "data-lines"), 2);  // live_bytes before and after
  EXPECT_EQ(attribute(result.out, "data-bars"), 3 + 3 * 2);  // change chart + before/after per metric

  // Every console message must be our own marker: no errors, no warnings.
  std::istringstream err(result.err);
  std::string line;
  int markers = 0;
  while (std::getline(err, line)) {
    if (line.find(":CONSOLE") == std::string::npos && line.find("Uncaught") == std::string::npos) continue;
    if (line.find("\"vigil-check\"") != std::string::npos) {
      ++markers;
    } else {
      ADD_FAILURE() << "console message: " << line;
    }
  }
  EXPECT_EQ(markers, 1) << "console logging was not captured: " << result.err;
}

}  // namespace
}  // namespace vigil::reports
