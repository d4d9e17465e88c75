#include "vigil/framework/routing/route_table.hpp"

#include <gtest/gtest.h>

#include "vigil/harness/data_files.hpp"

namespace vigil::framework {
namespace {

TEST(RouteTable, ParsesLinesSkippingCommentsAndBlanks) {
  auto table = parse_route_table("# routes\n\nGET /a\r\n  POST\t/b/:id   # trailing\nDELETE /c\n");
  ASSERT_TRUE(table.ok()) << table.error;
  ASSERT_EQ(table.lines.size(), 3u);
  EXPECT_EQ(table.lines[0].method, Method::GET);
  EXPECT_EQ(table.lines[0].path, "/a");
  EXPECT_EQ(table.lines[0].line, 3);
  EXPECT_EQ(table.lines[1].method, Method::POST);
  EXPECT_EQ(table.lines[1].path, "/b/:id");
  EXPECT_EQ(table.lines[1].line, 4);
  EXPECT_EQ(table.lines[2].line, 5);
}

TEST(RouteTable, ErrorsNameTheLine) {
  EXPECT_EQ(parse_route_table("GET /a\nFETCH /b\n").error, "line 2: unknown method 'FETCH' (want METHOD PATH)");
  EXPECT_EQ(parse_route_table("\n\nGET\n").error, "line 3: missing path after GET (want METHOD PATH)");
  EXPECT_EQ(parse_route_table("GET a/b").error, "line 1: path 'a/b' must start with '/' and hold no spaces");
  EXPECT_EQ(parse_route_table("GET /a b").error, "line 1: path '/a b' must start with '/' and hold no spaces");
}

TEST(RouteTable, MissingFileIsAnError) {
  auto table = load_route_table("/nonexistent/routes.txt");
  EXPECT_FALSE(table.ok());
  EXPECT_EQ(table.error, "cannot read /nonexistent/routes.txt");
}

TEST(RouteTable, AddRoutesNamesBothLinesOnAConflict) {
  auto table = parse_route_table("GET /users/:id\n# note\nGET /users/new\nGET /users/:name/x\nGET /users/:name\n");
  ASSERT_TRUE(table.ok());
  Router router;
  auto error = add_routes(router, table.lines);
  ASSERT_TRUE(error);
  EXPECT_EQ(*error,
            "line 5: GET /users/:name conflicts with GET /users/:id: both match the same paths (only "
            "parameter names differ) (line 1)");
  auto bad = parse_route_table("GET /a\nGET /b/*x/y\n");
  Router other;
  EXPECT_EQ(*add_routes(other, bad.lines),
            "line 2: bad pattern GET /b/*x/y: catch-all '*x' must be at the end of the pattern");
}

TEST(RouteTable, ExamplePathFillsEveryParameter) {
  EXPECT_EQ(example_path("/repos/:owner/:repo", 3), "/repos/owner-3/repo-3");
  EXPECT_EQ(example_path("/static/*file", 9), "/static/f9/x.txt");
  EXPECT_EQ(example_path("/plain", 1), "/plain");
}

TEST(RouteTable, GithubSetIsShippedWithTheRepository) {
  auto table = load_route_table(harness::github_api_routes_file());
  ASSERT_TRUE(table.ok()) << table.error;
  EXPECT_EQ(table.lines.size(), 203u);
}

}  // namespace
}  // namespace vigil::framework
