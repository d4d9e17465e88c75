#include "process_mark.hpp"

#include <sys/mman.h>
#include <unistd.h>

namespace vigil::preload {

ProcessMark g_process_mark;

bool ProcessMark::set() {
  pid_ = ::getpid();
  const long page_size = ::sysconf(_SC_PAGESIZE);
  void* page = ::mmap(nullptr, static_cast<std::size_t>(page_size), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return false;
  if (::madvise(page, static_cast<std::size_t>(page_size), MADV_WIPEONFORK) != 0) {
    ::munmap(page, static_cast<std::size_t>(page_size));
    return false;
  }
  page_ = static_cast<std::atomic<int>*>(page);
  page_->store(1, std::memory_order_relaxed);
  return true;
}

bool ProcessMark::in_other_process() const { return in_child_copy() || ::getpid() != pid_; }

}  // namespace vigil::preload
