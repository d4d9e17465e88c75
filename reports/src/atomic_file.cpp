#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "vigil/reports/report.hpp"

namespace vigil::reports {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what, int err) {
  throw ReportError(fmt::format("{}: {}: {}", path.string(), what, std::strerror(err)));
}

}  // namespace

// Temporary file in the destination folder (so rename is atomic), fsync,
// rename, then fsync the folder: readers see the old file or the new one,
// never a partial one, and a failure leaves no temporary behind.
void write_file_atomic(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) fail(path, "cannot create temporary file", errno);
  auto abandon = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    fail(path, what, err);
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      abandon("write failed");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) abandon("chmod failed");
  if (::fsync(fd) != 0) abandon("fsync failed");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    fail(path, "close failed", err);
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    fail(path, "rename failed", err);
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace vigil::reports
