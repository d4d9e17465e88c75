// Flame graphs as text: frames laid out, names escaped, nothing fetched,
// differential colours by significant change of share.
#include "vigil/reports/flame_graph.hpp"

#include <gtest/gtest.h>

#include "profile_fixtures.hpp"

namespace vigil::reports {
namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// The fill of the frame named `name` (its data-name, escaped).
std::string fill_of(const std::string& svg, const std::string& name) {
  const std::string key = "data-name=\"" + name + "\" data-fill=\"";
  const auto at = svg.find(key);
  if (at == std::string::npos) return "";
  const auto from = at + key.size();
  return svg.substr(from, svg.find('"', from) - from);
}

TEST(FlameGraph, LaysOutEveryFrameOnce) {
  const std::string svg = render_flame_graph_svg(test::server_profile(), "vigil-server");
  // all, main, serve, parse, header_value, match, memmove
  EXPECT_EQ(count(svg, "<g class=\"f\""), 7);
  EXPECT_NE(svg.find("data-name=\"all\" "), std::string::npos);
  EXPECT_NE(svg.find("data-x=\"0\" data-w=\"100\" data-d=\"0\""), std::string::npos);
  // Children in name order: match() ("vigil::R...") before parse() ("vigil::h...") at depth 3.
  EXPECT_NE(svg.find("data-x=\"0\" data-w=\"35\" data-d=\"3\" data-name=\"vigil::Router::match"), std::string::npos);
  EXPECT_NE(svg.find("data-x=\"35\" data-w=\"65\" data-d=\"3\" data-name=\"vigil::http::parse"), std::string::npos);
  EXPECT_NE(svg.find("at router.cpp:57 — 35 samples (35.00%), self 30 (30.00%)"), std::string::npos);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
}

TEST(FlameGraph, EscapesNamesAndFetchesNothing) {
  const Profile p = test::profile_of({{"main;std::vector<int>::push_back(int&&);\"quoted\" & more", 3}});
  for (const std::string& doc : {render_flame_graph_html(p, "a <title>"), render_flame_graph_svg(p, "t")}) {
    EXPECT_EQ(doc.find("push_back(int&&)"), std::string::npos);
    EXPECT_NE(doc.find("std::vector&lt;int&gt;::push_back(int&amp;&amp;)"), std::string::npos);
    EXPECT_NE(doc.find("&quot;quoted&quot; &amp; more"), std::string::npos);
    EXPECT_EQ(count(doc, "src="), 0);
    EXPECT_EQ(count(doc, "href="), 0);
    EXPECT_EQ(count(doc, "http"), 1);  // the SVG namespace, which is a name, not a fetch
    EXPECT_NE(doc.find("<script><![CDATA["), std::string::npos);
  }
}

TEST(FlameGraph, EmptyProfileSaysSo) {
  const std::string html = render_flame_graph_html(Profile{}, "nothing");
  EXPECT_NE(html.find("no samples"), std::string::npos);
  EXPECT_EQ(count(html, "<g class=\"f\""), 0);
}

TEST(DifferentialFlameGraph, GrownRedShrunkBlueSameGrey) {
  const Profile base = test::profile_of({{"main;work;parse", 700}, {"main;work;route", 300}});
  const Profile current = test::profile_of({{"main;work;parse", 1000}, {"main;work;route", 1000}});
  const std::string svg = render_differential_flame_graph_svg(base, current, "before -> after");
  EXPECT_EQ(fill_of(svg, "main"), "rgb(200,200,200)");
  EXPECT_EQ(fill_of(svg, "work"), "rgb(200,200,200)");
  EXPECT_EQ(fill_of(svg, "route"), "rgb(255,35,35)");   // +20 points, the largest change: full red
  EXPECT_EQ(fill_of(svg, "parse"), "rgb(35,35,255)");   // -20 points: full blue
  EXPECT_NE(svg.find("base 300 samples (30.00%), change +20.00 points"), std::string::npos);
}

TEST(DifferentialFlameGraph, NoiseStaysGrey) {
  const Profile base = test::profile_of({{"main;work;parse", 702}, {"main;work;route", 298}});
  const Profile current = test::profile_of({{"main;work;parse", 695}, {"main;work;route", 305}});
  const std::string svg = render_differential_flame_graph_svg(base, current, "A/A");
  for (const char* name : {"main", "work", "parse", "route"}) EXPECT_EQ(fill_of(svg, name), "rgb(200,200,200)") << name;
  EXPECT_NE(svg.find("(within noise)"), std::string::npos);
}

TEST(DifferentialFlameGraph, NewFramesHaveNoBase) {
  const Profile base = test::profile_of({{"main;a", 100}});
  const Profile current = test::profile_of({{"main;a", 50}, {"main;b", 50}});
  const std::string html = render_differential_flame_graph_html(base, current, "new b");
  EXPECT_NE(html.find("base 0 samples (0.00%), change +50.00 points"), std::string::npos);
  EXPECT_EQ(fill_of(html, "b"), "rgb(255,35,35)");
  EXPECT_NE(html.find("base: 100 samples"), std::string::npos);
}

}  // namespace
}  // namespace vigil::reports
