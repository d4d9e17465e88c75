#include "vigil/profilers/google_benchmark.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace vigil::profilers {

bool references_google_benchmark(const std::filesystem::path& binary) {
  // The Itanium ABI name of benchmark::State::StartKeepRunning().
  static constexpr std::string_view kSymbol = "_ZN9benchmark5State16StartKeepRunningEv";
  std::ifstream in(binary, std::ios::binary);
  if (!in) return false;
  // Read in blocks that overlap by the symbol's length, so a match across a
  // block boundary is found too.
  std::string window;
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    window.append(block.data(), got);
    if (window.find(kSymbol) != std::string::npos) return true;
    window.erase(0, window.size() - std::min(window.size(), kSymbol.size()));
  }
  return false;
}

std::string exact_filter(std::string_view name) {
  std::string out = "^";
  for (char c : name) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out + "$";
}

int benchmark_threads(std::string_view name) {
  static constexpr std::string_view kPart = "/threads:";
  const auto at = name.rfind(kPart);
  if (at == std::string_view::npos) return 1;
  const auto digits = name.substr(at + kPart.size());
  int threads = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), threads);
  if (ec != std::errc() || threads < 1) return 1;
  return threads;
}

std::optional<RunStart> parse_run_start(std::string_view line) {
  static constexpr std::string_view kPrefix = "-- LOG(2): Running ";
  static constexpr std::string_view kFor = " for ";
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  line.remove_prefix(kPrefix.size());
  const auto at = line.rfind(kFor);
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  const auto digits = line.substr(at + kFor.size());
  RunStart run;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), run.iterations);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  run.name = std::string(line.substr(0, at));
  return run;
}

}  // namespace vigil::profilers
