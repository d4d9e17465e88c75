#include "vigil/reports/profile_shares.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

namespace vigil::reports {

std::string frame_name(const Frame& f) {
  if (!f.function.empty()) return f.function;
  if (!f.module.empty()) return fmt::format("{}+{:#x}", std::filesystem::path(f.module).filename().string(), f.offset);
  return "??";
}

std::uint64_t total_samples(const Profile& p) {
  std::uint64_t n = 0;
  for (const auto& s : p.stacks) n += s.samples;
  return n;
}

std::vector<FunctionShare> function_shares(const Profile& p) {
  std::map<std::string, FunctionShare> by_name;
  std::set<std::string> on_stack;
  for (const auto& s : p.stacks) {
    if (s.frames.empty()) continue;
    on_stack.clear();
    for (const auto& f : s.frames) {
      std::string name = frame_name(f);
      // A recursive function is on this stack once, however deep.
      if (on_stack.insert(name).second) by_name[name].total += s.samples;
    }
    by_name[frame_name(s.frames.back())].self += s.samples;
  }
  const double n = static_cast<double>(total_samples(p));
  std::vector<FunctionShare> out;
  out.reserve(by_name.size());
  for (auto& [name, share] : by_name) {
    share.function = name;
    if (n > 0) {
      share.self_share = static_cast<double>(share.self) / n;
      share.total_share = static_cast<double>(share.total) / n;
    }
    out.push_back(std::move(share));
  }
  std::sort(out.begin(), out.end(), [](const FunctionShare& a, const FunctionShare& b) {
    if (a.self != b.self) return a.self > b.self;
    if (a.total != b.total) return a.total > b.total;
    return a.function < b.function;
  });
  return out;
}

}  // namespace vigil::reports
