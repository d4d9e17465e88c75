#pragma once
// The capture file's buffered sink (records: vigil/profilers/capture_format.hpp,
// formatted through its RecordWriter). Formats numbers itself: no stdio, no
// heap. Used under the snapshot lock.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil::preload {

class CaptureWriter {
 public:
  // Creates vigil-<pid>.capture in `dir`, or vigil-<pid>.<n>.capture when a
  // previous image of this pid (before an exec) left one.
  bool open(const char* dir, int pid);
  bool is_open() const { return fd_ >= 0; }
  void close();
  // Forgets the file without writing (fork child: the fd is the parent's).
  void abandon();
  // Forgets the file without closing it either: a child made by a raw clone
  // may share its parent's file table.
  void forget();

  CaptureWriter& text(std::string_view s);
  CaptureWriter& dec(std::uint64_t v);
  CaptureWriter& hex(std::uint64_t v);
  CaptureWriter& ch(char c);
  void flush();

 private:
  int fd_ = -1;
  std::size_t len_ = 0;
  char buf_[1 << 16];
};

extern CaptureWriter g_writer;

}  // namespace vigil::preload
