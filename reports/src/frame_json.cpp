#include "frame_json.hpp"

#include <fmt/format.h>

#include "json_type_name.hpp"

namespace vigil::reports {

using nlohmann::json;

json frame_to_json(const Frame& f) {
  json j = json::object();
  j["function"] = f.function;
  if (!f.file.empty()) j["file"] = f.file;
  if (f.line > 0) j["line"] = f.line;
  if (!f.module.empty()) j["module"] = f.module;
  if (f.offset != 0) j["offset"] = f.offset;
  if (f.inlined) j["inlined"] = true;
  return j;
}

Frame frame_from_json(const json& j) {
  Frame f;
  auto text = [&j](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  f.function = text("function");
  f.file = text("file");
  f.module = text("module");
  f.line = j.value("line", 0);
  f.offset = j.value("offset", std::uint64_t{0});
  f.inlined = j.value("inlined", false);
  return f;
}

std::optional<std::string> check_frame(const json& j, const std::string& path) {
  if (!j.is_object()) return fmt::format("{}: expected an object, got {}", path, json_type_name(j));
  for (const char* key : {"function", "file", "module"}) {
    if (j.contains(key) && !j[key].is_string()) {
      return fmt::format("{}.{}: expected a string, got {}", path, key, json_type_name(j[key]));
    }
  }
  for (const char* key : {"line", "offset"}) {
    if (j.contains(key) && !j[key].is_number_integer()) {
      return fmt::format("{}.{}: expected an integer, got {}", path, key, json_type_name(j[key]));
    }
  }
  if (j.contains("inlined") && !j["inlined"].is_boolean()) {
    return fmt::format("{}.inlined: expected true or false, got {}", path, json_type_name(j["inlined"]));
  }
  return std::nullopt;
}

}  // namespace vigil::reports
