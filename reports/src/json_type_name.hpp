#pragma once
// A JSON value's type as validation messages name it ("null", "array", ...).

#include <string>

#include <nlohmann/json.hpp>

namespace vigil::reports {

inline std::string json_type_name(const nlohmann::json& j) {
  return j.is_null() ? "null" : std::string(j.type_name());
}

}  // namespace vigil::reports
