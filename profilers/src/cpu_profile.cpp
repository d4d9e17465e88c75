#include "vigil/profilers/cpu_profile.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "vigil/reports/profile_shares.hpp"

#include "vigil/profilers/symbolizer.hpp"

namespace vigil::profilers {
namespace {

using FrameKey = std::tuple<std::string, std::string, int, std::string, bool>;

FrameKey key_of(const reports::Frame& f) { return {f.function, f.file, f.line, f.module, f.inlined}; }

}  // namespace

std::uint64_t add_samples(reports::Profile& into, const RawSamples& raw) {
  // Identical address stacks first: symbolizing is per distinct stack.
  std::map<std::vector<std::uint64_t>, std::uint64_t> by_addresses;
  std::uint64_t periods = 0;
  for (const auto& sample : raw.stacks) {
    if (sample.frames.empty()) continue;
    ++by_addresses[sample.frames];
    periods += sample.weight;
  }
  std::map<std::vector<FrameKey>, std::size_t> index;
  for (std::size_t i = 0; i < into.stacks.size(); ++i) {
    std::vector<FrameKey> key;
    for (const auto& f : into.stacks[i].frames) key.push_back(key_of(f));
    index.emplace(std::move(key), i);
  }
  Symbolizer symbolizer(raw.modules);
  for (const auto& [addresses, count] : by_addresses) {
    reports::ProfileStack stack;
    for (const std::uint64_t address : addresses)
      for (const SymbolizedFrame& f : symbolizer.symbolize(address)) stack.frames.push_back(f.to_report_frame());
    std::reverse(stack.frames.begin(), stack.frames.end());
    std::vector<FrameKey> key;
    for (const auto& f : stack.frames) key.push_back(key_of(f));
    const auto [it, fresh] = index.emplace(std::move(key), into.stacks.size());
    if (fresh) {
      stack.samples = count;
      into.stacks.push_back(std::move(stack));
    } else {
      into.stacks[it->second].samples += count;
    }
  }
  into.threads += raw.threads;
  return periods;
}

void set_cpu_time(reports::Profile& profile, std::uint64_t periods, double hz) {
  const std::uint64_t samples = reports::total_samples(profile);
  profile.period_seconds = samples == 0 ? 1.0 / hz : static_cast<double>(periods) / (hz * static_cast<double>(samples));
}

}  // namespace vigil::profilers
