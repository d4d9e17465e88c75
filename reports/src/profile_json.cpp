#include "profile_json.hpp"

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "frame_json.hpp"
#include "json_type_name.hpp"
#include "vigil/reports/profile_io.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::reports {

using nlohmann::json;

namespace {

// Every field of a frame: two frames share a table entry only when equal.
std::string frame_key(const Frame& f) {
  return fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", f.function, f.file, f.line, f.module, f.offset,
                     f.inlined ? 1 : 0);
}

}  // namespace

json profile_to_json(const Profile& p) {
  json frames = json::array();
  json stacks = json::array();
  std::map<std::string, std::size_t> index;
  for (const auto& s : p.stacks) {
    json ids = json::array();
    for (const auto& f : s.frames) {
      auto [it, inserted] = index.try_emplace(frame_key(f), frames.size());
      if (inserted) frames.push_back(frame_to_json(f));
      ids.push_back(it->second);
    }
    stacks.push_back({{"frames", std::move(ids)}, {"samples", s.samples}});
  }
  json j = {{"unit", p.unit}, {"threads", p.threads}};
  j["period_seconds"] = std::isfinite(p.period_seconds) ? json(p.period_seconds) : json(nullptr);
  j["frames"] = std::move(frames);
  j["stacks"] = std::move(stacks);
  return j;
}

std::optional<std::string> check_profile(const json& j, const std::string& path) {
  if (!j.is_object()) return fmt::format("{}: expected an object, got {}", path, json_type_name(j));
  if (j.contains("unit") && !j["unit"].is_string()) {
    return fmt::format("{}.unit: expected a string, got {}", path, json_type_name(j["unit"]));
  }
  if (j.contains("period_seconds") &&
      !(j["period_seconds"].is_null() || (j["period_seconds"].is_number() && j["period_seconds"].get<double>() >= 0))) {
    return fmt::format("{}.period_seconds: expected a non-negative number, got {}", path, j["period_seconds"].dump());
  }
  if (j.contains("threads") && !j["threads"].is_number_unsigned()) {
    return fmt::format("{}.threads: expected a non-negative integer, got {}", path, j["threads"].dump());
  }
  for (const char* key : {"frames", "stacks"}) {
    if (!j.contains(key)) return fmt::format("{}: missing required key \"{}\"", path, key);
    if (!j[key].is_array()) return fmt::format("{}.{}: expected an array, got {}", path, key, json_type_name(j[key]));
  }
  const json& frames = j["frames"];
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (auto problem = check_frame(frames[i], fmt::format("{}.frames[{}]", path, i))) return problem;
  }
  const json& stacks = j["stacks"];
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    const std::string sp = fmt::format("{}.stacks[{}]", path, i);
    const json& s = stacks[i];
    if (!s.is_object()) return fmt::format("{}: expected an object, got {}", sp, json_type_name(s));
    if (!s.contains("samples") || !s["samples"].is_number_unsigned()) {
      return fmt::format("{}.samples: expected a non-negative integer", sp);
    }
    if (!s.contains("frames") || !s["frames"].is_array() || s["frames"].empty()) {
      return fmt::format("{}.frames: expected a non-empty array of indexes into {}.frames", sp, path);
    }
    for (std::size_t k = 0; k < s["frames"].size(); ++k) {
      const json& id = s["frames"][k];
      if (!id.is_number_unsigned() || id.get<std::uint64_t>() >= frames.size()) {
        return fmt::format("{}.frames[{}]: expected an index below {} (the size of {}.frames), got {}", sp, k,
                           frames.size(), path, id.dump());
      }
    }
  }
  return std::nullopt;
}

Profile profile_from_json(const json& j) {
  Profile p;
  if (j.contains("unit")) p.unit = j["unit"].get<std::string>();
  if (j.contains("period_seconds")) {
    p.period_seconds = j["period_seconds"].is_null() ? std::nan("") : j["period_seconds"].get<double>();
  }
  p.threads = j.value("threads", std::uint64_t{0});
  std::vector<Frame> frames;
  for (const auto& jf : j["frames"]) frames.push_back(frame_from_json(jf));
  for (const auto& js : j["stacks"]) {
    ProfileStack s;
    s.samples = js["samples"].get<std::uint64_t>();
    for (const auto& id : js["frames"]) s.frames.push_back(frames[id.get<std::size_t>()]);
    p.stacks.push_back(std::move(s));
  }
  return p;
}

std::string to_profile_json(const Profile& p) { return profile_to_json(p).dump(); }

Profile from_profile_json(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw ReportError("a profile: not valid JSON");
  if (auto problem = check_profile(j, "profile")) throw ReportError(*problem);
  return profile_from_json(j);
}

}  // namespace vigil::reports
