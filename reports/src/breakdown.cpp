#include "vigil/reports/breakdown.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace vigil::reports {

std::vector<PartChange> largest_part_changes(const Breakdown& base, const Breakdown& current, std::size_t most) {
  // Matched by name alone: a binary built twice may differ in file name
  // (before/after builds), and its functions are still the same.
  std::map<std::string, PartChange> parts;
  for (const auto& e : base.entries) {
    auto& p = parts[e.name];
    p.name = e.name;
    p.module = e.module;
    p.base += e.value;
  }
  for (const auto& e : current.entries) {
    auto& p = parts[e.name];
    p.name = e.name;
    p.module = e.module;
    p.current += e.value;
  }
  std::vector<PartChange> moved;
  for (auto& [key, p] : parts) {
    if (p.delta() != 0) moved.push_back(std::move(p));
  }
  std::stable_sort(moved.begin(), moved.end(),
                   [](const PartChange& a, const PartChange& b) { return std::abs(a.delta()) > std::abs(b.delta()); });
  if (moved.size() > most) moved.resize(most);
  return moved;
}

std::string short_name(std::string_view name, std::size_t longest) {
  if (name.find("operator") != std::string_view::npos) return std::string(name);
  std::string out;
  std::size_t i = 0;
  while (i < name.size()) {
    const char open = name[i];
    if (open != '(' && open != '<') {
      out += open;
      ++i;
      continue;
    }
    // The matching close of this list (brackets of both kinds nest).
    std::size_t depth = 0, j = i;
    for (; j < name.size(); ++j) {
      if (name[j] == '(' || name[j] == '<') ++depth;
      if ((name[j] == ')' || name[j] == '>') && --depth == 0) break;
    }
    if (j == name.size()) return std::string(name);  // unbalanced: leave it be
    const std::string_view inner = name.substr(i + 1, j - i - 1);
    out += open;
    out += inner.size() > longest ? std::string("...") : std::string(inner);
    out += name[j];
    i = j + 1;
  }
  return out;
}

std::string format_part_change(const PartChange& c) {
  std::string text = fmt::format("{:+.1f} {}", c.delta(), short_name(c.name));
  if (!c.module.empty()) text += fmt::format(" ({})", c.module);
  return text;
}

}  // namespace vigil::reports
