#pragma once
// A private temporary folder (mkdtemp under the system's temporary folder)
// removed with its contents when it goes: where tools put what a run
// leaves behind (capture files).

#include <filesystem>
#include <string>

namespace vigil::harness {

class TempDir {
 public:
  // Throws std::runtime_error when the folder cannot be made.
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace vigil::harness
