#pragma once
// Route sets the routing benchmarks share with the reference routers'.

#include <cstddef>
#include <string>
#include <vector>

#include "vigil/framework/routing/route_table.hpp"
#include "vigil/harness/data_files.hpp"

namespace vigil::bench {

// `count` routes: the GitHub API set under version prefixes (/v0/..., /v1/...,
// as many as it takes), for registering a large set.
inline std::vector<framework::RouteLine> versioned_github_routes(std::size_t count) {
  const auto github = framework::load_route_table(harness::github_api_routes_file());
  std::vector<framework::RouteLine> lines;
  for (int version = 0; lines.size() < count && !github.lines.empty(); ++version) {
    for (const auto& line : github.lines) {
      if (lines.size() == count) break;
      lines.push_back({line.method, "/v" + std::to_string(version) + line.path, line.line});
    }
  }
  return lines;
}

}  // namespace vigil::bench
