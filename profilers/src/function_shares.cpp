#include "vigil/profilers/function_shares.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace vigil::profilers {

namespace {
constexpr double kSmallestShare = 0.005;
constexpr std::size_t kMostFunctions = 50;
}  // namespace

void FunctionTally::add(const CallgrindDump& dump, double sign) {
  for (const auto& f : dump.functions) {
    auto& s = tally_[{f.object, f.function}];
    if (s.function.empty()) {
      s.function = f.function;
      s.module = std::filesystem::path(f.object).filename().string();
      s.file = f.file;
    }
    s.instructions += sign * f.self[Event::Ir];
  }
}

std::vector<FunctionShare> FunctionTally::shares(double divisor) const {
  std::vector<FunctionShare> out;
  for (const auto& [key, s] : tally_) {
    FunctionShare share = s;
    share.instructions /= divisor;
    if (std::abs(share.instructions) >= kSmallestShare) out.push_back(std::move(share));
  }
  std::stable_sort(out.begin(), out.end(), [](const FunctionShare& a, const FunctionShare& b) {
    return std::abs(a.instructions) > std::abs(b.instructions);
  });
  if (out.size() > kMostFunctions) out.resize(kMostFunctions);
  return out;
}

}  // namespace vigil::profilers
