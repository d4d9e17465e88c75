#include "vigil/harness/data_files.hpp"

#include <cstdlib>
#include <system_error>

namespace vigil::harness {

std::filesystem::path data_file(std::string_view name) {
  if (const char* dir = std::getenv("VIGIL_DATA_DIR"); dir != nullptr && *dir != '\0') {
    return std::filesystem::path(dir) / name;
  }
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return self.parent_path().parent_path() / "share" / "vigil" / name;
}

std::filesystem::path github_api_routes_file() { return data_file("github_api_routes.txt"); }

}  // namespace vigil::harness
