#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "vigil/reports/report.hpp"

namespace vigil::reports {

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) break;
      const auto start = line.find_first_not_of(" \t", colon + 1);
      return start == std::string::npos ? std::string() : line.substr(start);
    }
  }
  return "unknown";
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

}  // namespace

std::string utc_now_rfc3339() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Environment current_environment() {
  Environment e;
  e.host = host_name();
  e.cpu = cpu_model();
  e.cores = static_cast<int>(std::thread::hardware_concurrency());
  e.compiler = VIGIL_COMPILER;
  e.build_type = VIGIL_BUILD_TYPE;
  e.git_commit = VIGIL_GIT_COMMIT;
  return e;
}

Report make_report(std::string tool) {
  Report r;
  r.tool = std::move(tool);
  r.tool_version = VIGIL_VERSION;
  r.created_at = utc_now_rfc3339();
  r.environment = current_environment();
  return r;
}

}  // namespace vigil::reports
