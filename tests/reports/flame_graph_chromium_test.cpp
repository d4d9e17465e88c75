// Flame graphs in a real browser: they load without console errors, their
// frames are drawn, search finds a function and shows its share, hover
// shows details, and a click zooms.
#include <filesystem>

#include <gtest/gtest.h>

#include "chromium_page.hpp"
#include "profile_fixtures.hpp"
#include "vigil/reports/flame_graph.hpp"

namespace vigil::reports {
namespace {

constexpr const char* kFlameGraphCheck = R"JS(
console.log("vigil-flame-check");
var svg = document.getElementById("flame");
var frames = Array.prototype.slice.call(svg.querySelectorAll("g.f"));
function mark(name, value) { document.body.setAttribute("data-" + name, value); }
function visible() { return frames.filter(function (g) { return g.style.display !== "none"; }).length; }
function named(part) { return frames.filter(function (g) { return g.getAttribute("data-name").indexOf(part) >= 0; })[0]; }
mark("frames", frames.filter(function (g) { return g.querySelector("rect").getBBox().width > 0; }).length);
svg.vigilSearch("parse");
mark("matched", svg.getAttribute("data-matched-samples"));
mark("matched-text", svg.querySelector(".matched").textContent);
mark("highlighted", frames.filter(function (g) { return g.querySelector("rect").getAttribute("fill") === "rgb(230,0,230)"; }).length);
var box = document.getElementById("flame-search");
box.value = "memmove|header";
box.dispatchEvent(new Event("input"));
mark("box-matched", svg.getAttribute("data-matched-samples"));
var route = named(target);
route.dispatchEvent(new MouseEvent("mouseover"));
mark("details", svg.querySelector(".details").textContent);
route.dispatchEvent(new MouseEvent("click"));
mark("zoomed-visible", visible());
mark("zoomed-width", route.querySelector("rect").getAttribute("width"));
mark("reset-shown", svg.querySelector(".reset").style.display === "" ? 1 : 0);
svg.querySelector(".reset").dispatchEvent(new MouseEvent("click"));
mark("reset-visible", visible());
)JS";

// The check, hovering over and zooming into the first frame named `target`.
std::string check_script(const std::string& target) { return "var target = \"" + target + "\";\n" + kFlameGraphCheck; }

TEST(FlameGraphInChromium, SearchHoverAndZoomWork) {
  if (!std::filesystem::exists(test::kChromium)) GTEST_SKIP() << "chromium is not installed";
  vigil::test::ScratchDir dir;
  const auto page = test::load_in_chromium(render_flame_graph_html(test::server_profile(), "vigil-server"),
                                           check_script("Router::match"), dir);
  ASSERT_EQ(page.exit_code, 0) << page.log;
  EXPECT_EQ(test::attribute(page.dom, "data-frames"), 7) << page.dom.substr(0, 600);
  EXPECT_EQ(test::attribute(page.dom, "data-matched"), 65);  // parse() and what it called
  EXPECT_EQ(test::attribute_text(page.dom, "data-matched-text"), "Matched: 65.0% (65 of 100 samples)");
  EXPECT_EQ(test::attribute(page.dom, "data-highlighted"), 1);
  EXPECT_EQ(test::attribute(page.dom, "data-box-matched"), 45);  // 40 under header_value + 5 under memmove
  EXPECT_EQ(test::attribute_text(page.dom, "data-details"),
            "vigil::Router::match(std::string_view) const at router.cpp:57 — 35 samples (35.00%), self 30 (30.00%)");
  EXPECT_EQ(test::attribute(page.dom, "data-zoomed-visible"), 5);  // all, main, serve; match, memmove
  EXPECT_EQ(test::attribute_text(page.dom, "data-zoomed-width"), "1179.50");
  EXPECT_EQ(test::attribute(page.dom, "data-reset-shown"), 1);
  EXPECT_EQ(test::attribute(page.dom, "data-reset-visible"), 7);
  test::expect_clean_console(page, "vigil-flame-check");
}

TEST(FlameGraphInChromium, DifferentialLoadsCleanly) {
  if (!std::filesystem::exists(test::kChromium)) GTEST_SKIP() << "chromium is not installed";
  vigil::test::ScratchDir dir;
  const Profile base = test::profile_of({{"main;work;parse", 700}, {"main;work;route", 300}});
  const Profile current = test::profile_of({{"main;work;parse", 500}, {"main;work;route", 500}});
  const auto page = test::load_in_chromium(render_differential_flame_graph_html(base, current, "before -> after"),
                                           check_script("route"), dir);
  ASSERT_EQ(page.exit_code, 0) << page.log;
  EXPECT_EQ(test::attribute(page.dom, "data-frames"), 5);
  EXPECT_EQ(test::attribute(page.dom, "data-matched"), 500);
  EXPECT_EQ(test::attribute_text(page.dom, "data-details"),
            "route — 500 samples (50.00%), self 500 (50.00%); base 300 samples (30.00%), change +20.00 points");
  EXPECT_EQ(test::attribute(page.dom, "data-zoomed-visible"), 4);  // all, main, work; route
  test::expect_clean_console(page, "vigil-flame-check");
}

TEST(FlameGraphInChromium, SvgFileIsWellFormedAndDrawn) {
  if (!std::filesystem::exists(test::kChromium)) GTEST_SKIP() << "chromium is not installed";
  vigil::test::ScratchDir dir;
  const auto file = dir.write("flame.svg", render_flame_graph_svg(test::server_profile(), "vigil-server"));
  const auto result = test::run_chromium(file, dir);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find("parsererror"), std::string::npos) << result.out.substr(0, 800);
  EXPECT_NE(result.out.find("class=\"f\""), std::string::npos);
  EXPECT_EQ(result.err.find("Uncaught"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(":CONSOLE"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace vigil::reports
