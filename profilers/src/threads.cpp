#include "vigil/profilers/threads.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <string>
#include <system_error>

namespace vigil::profilers {

std::vector<pid_t> list_threads(pid_t pid) {
  std::vector<pid_t> tids;
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/task", ec);
  if (ec) return tids;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    pid_t tid = 0;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), tid);
    if (err == std::errc() && end == name.data() + name.size()) tids.push_back(tid);
  }
  std::sort(tids.begin(), tids.end());
  return tids;
}

std::optional<std::size_t> count_threads(pid_t pid) {
  std::error_code ec;
  if (!std::filesystem::exists("/proc/" + std::to_string(pid) + "/task", ec)) return std::nullopt;
  return list_threads(pid).size();
}

std::size_t count_threads() { return list_threads(getpid()).size(); }

}  // namespace vigil::profilers
