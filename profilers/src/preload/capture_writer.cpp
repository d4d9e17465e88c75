#include "capture_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil::preload {

CaptureWriter g_writer;

namespace {

// Appends decimal `v` to `out` at `len`; returns the new length.
std::size_t append_dec(char* out, std::size_t len, std::uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) out[len++] = tmp[--n];
  return len;
}

}  // namespace

bool CaptureWriter::open(const char* dir, int pid) {
  char path[1200];
  for (unsigned generation = 0; generation < 1000; ++generation) {
    std::size_t len = 0;
    const std::size_t dir_len = std::strlen(dir);
    if (dir_len > 1100) return false;
    std::memcpy(path, dir, dir_len);
    len = dir_len;
    std::memcpy(path + len, "/vigil-", 7);
    len += 7;
    len = append_dec(path, len, static_cast<std::uint64_t>(pid));
    if (generation != 0) {
      path[len++] = '.';
      len = append_dec(path, len, generation);
    }
    std::memcpy(path + len, ".capture", 9);
    fd_ = ::open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ >= 0) return true;
    if (errno != EEXIST) return false;
  }
  return false;
}

void CaptureWriter::flush() {
  std::size_t done = 0;
  while (fd_ >= 0 && done < len_) {
    const ssize_t n = ::write(fd_, buf_ + done, len_ - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  len_ = 0;
}

void CaptureWriter::close() {
  flush();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void CaptureWriter::abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  len_ = 0;
}

void CaptureWriter::forget() {
  fd_ = -1;
  len_ = 0;
}

CaptureWriter& CaptureWriter::text(std::string_view s) {
  for (const char c : s) ch(c);
  return *this;
}

CaptureWriter& CaptureWriter::ch(char c) {
  if (len_ == sizeof buf_) flush();
  buf_[len_++] = c;
  return *this;
}

CaptureWriter& CaptureWriter::dec(std::uint64_t v) {
  if (len_ + 24 > sizeof buf_) flush();
  len_ = append_dec(buf_, len_, v);
  return *this;
}

CaptureWriter& CaptureWriter::hex(std::uint64_t v) {
  if (len_ + 24 > sizeof buf_) flush();
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v != 0);
  while (n > 0) buf_[len_++] = tmp[--n];
  return *this;
}

}  // namespace vigil::preload
