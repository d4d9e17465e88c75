#pragma once
// A reports::Frame in JSON, shared by findings' stacks and profiles' frame
// tables: one writer, one reader, one check.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "vigil/reports/frame.hpp"

namespace vigil::reports {

// Only the fields that are known: empty strings, line 0, offset 0 and
// inlined false are left out.
nlohmann::json frame_to_json(const Frame& f);
// `j` already checked by check_frame().
Frame frame_from_json(const nlohmann::json& j);
// Empty when `j` is a frame object, else a one-line reason naming `path`.
std::optional<std::string> check_frame(const nlohmann::json& j, const std::string& path);

}  // namespace vigil::reports
