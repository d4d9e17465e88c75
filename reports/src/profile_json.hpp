#pragma once
// A Profile in the report envelope, compact: each distinct frame once in a
// "frames" table, each stack a list of indexes into it (outermost first) with
// its sample count, so a long profile of a server stays small.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "vigil/reports/profile.hpp"

namespace vigil::reports {

nlohmann::json profile_to_json(const Profile& p);
// Empty when `j` is a valid profile, else a one-line reason naming `path`.
std::optional<std::string> check_profile(const nlohmann::json& j, const std::string& path);
// `j` already checked by check_profile().
Profile profile_from_json(const nlohmann::json& j);

}  // namespace vigil::reports
