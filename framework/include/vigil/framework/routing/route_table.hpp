#pragma once
// Route tables as text: one `METHOD PATH` per line, '#' starts a comment,
// blank lines are skipped. Used for route sets (`--routes`) and for request
// lists (`--paths`) alike.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/routing/method.hpp"
#include "vigil/framework/routing/router.hpp"

namespace vigil::framework {

struct RouteLine {
  Method method = Method::GET;
  std::string path;
  int line = 0;  // 1-based line number in the source text
};

struct RouteTable {
  std::vector<RouteLine> lines;
  std::string error;  // one line, "line N: reason"; empty on success
  bool ok() const { return error.empty(); }
};

RouteTable parse_route_table(std::string_view text);
// As parse_route_table; a file that cannot be read is an error naming it.
RouteTable load_route_table(const std::filesystem::path& file);

// Adds every line to `router` (expected empty) with RouteId = index in `lines`. Returns an
// error "line N: ..." naming both routes (and the earlier line) on conflict.
std::optional<std::string> add_routes(Router& router, const std::vector<RouteLine>& lines);

// A request path for `pattern`: each `:name` becomes `<name>-<variant>`, a
// catch-all becomes "f<variant>/x.txt". Distinct variants give distinct paths.
std::string example_path(std::string_view pattern, unsigned long variant);

}  // namespace vigil::framework
