#include <charconv>
#include <map>

#include <fmt/format.h>

#include "vigil/reports/profile_io.hpp"
#include "vigil/reports/profile_shares.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::reports {

namespace {

std::string folded_name(const Frame& f) {
  std::string name = frame_name(f);
  for (char& c : name) {
    if (c == ';' || c == '\n' || c == '\r') c = '_';
  }
  return name;
}

}  // namespace

std::string to_folded(const Profile& p) {
  std::map<std::string, std::uint64_t> lines;
  for (const auto& s : p.stacks) {
    if (s.frames.empty() || s.samples == 0) continue;
    std::string key;
    for (const auto& f : s.frames) key += (key.empty() ? "" : ";") + folded_name(f);
    lines[key] += s.samples;
  }
  std::string out;
  for (const auto& [stack, samples] : lines) out += fmt::format("{} {}\n", stack, samples);
  return out;
}

Profile from_folded(std::string_view text) {
  Profile p;
  std::map<std::string, std::size_t> seen;  // folded stack -> index in p.stacks
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const auto space = line.find_last_of(" \t");
    if (space == std::string_view::npos) {
      throw ReportError(fmt::format("line {}: expected \"frame;frame;... COUNT\", got no count", number));
    }
    const std::string_view count = line.substr(space + 1);
    std::uint64_t samples = 0;
    const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), samples);
    if (ec != std::errc() || end != count.data() + count.size()) {
      throw ReportError(fmt::format("line {}: expected a whole sample count at the end, got \"{}\"", number,
                                    std::string(count)));
    }
    std::string_view stack = line.substr(0, space);
    while (!stack.empty() && (stack.back() == ' ' || stack.back() == '\t')) stack.remove_suffix(1);
    ProfileStack s;
    s.samples = samples;
    std::size_t start = 0;
    while (true) {
      const auto semi = stack.find(';', start);
      const std::string_view name = stack.substr(start, semi == std::string_view::npos ? semi : semi - start);
      if (name.empty()) throw ReportError(fmt::format("line {}: empty frame name in \"{}\"", number, std::string(stack)));
      Frame f;
      f.function = std::string(name);
      s.frames.push_back(std::move(f));
      if (semi == std::string_view::npos) break;
      start = semi + 1;
    }
    auto [it, inserted] = seen.try_emplace(std::string(stack), p.stacks.size());
    if (inserted) {
      p.stacks.push_back(std::move(s));
    } else {
      p.stacks[it->second].samples += samples;
    }
  }
  return p;
}

}  // namespace vigil::reports
