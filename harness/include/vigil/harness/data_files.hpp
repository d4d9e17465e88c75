#pragma once
// Data files the harness ships (route sets), found where the build and the
// install both put them: share/vigil/ beside the bin/ folder of the running
// executable (build/<flavour>/share/vigil, <prefix>/share/vigil).
// VIGIL_DATA_DIR, when set, is searched instead.

#include <filesystem>
#include <string_view>

namespace vigil::harness {

// The path of data file `name` (it may not exist: readers report that).
std::filesystem::path data_file(std::string_view name);

// The GitHub API route set (203 routes, `METHOD PATTERN` per line).
std::filesystem::path github_api_routes_file();

}  // namespace vigil::harness
