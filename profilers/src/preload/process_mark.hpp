#pragma once
// Which process is running the tracker's code: the tracked one, or a child
// that inherited a copy of its memory without exec'ing — a fork child, or
// the child of a raw clone() (chromium's zygote and sandbox), which skips
// fork's handlers, so pthread_atfork cannot tell it. A child must never
// touch the tracker's tables: a lock held by another thread of the parent
// at the moment of the copy is held for ever in the child.
//
// The mark is a page the kernel zeroes in every child that does not share
// the parent's memory (madvise MADV_WIPEONFORK, Linux 4.14): checking it is
// one load. A vfork child shares the memory, and with it the mark; it is
// told apart by its pid, where a system call is affordable (snapshots, exit).

#include <sys/types.h>

#include <atomic>

namespace vigil::preload {

class ProcessMark {
 public:
  // Marks the calling process as the tracked one; false when the kernel
  // cannot zero the page in children (then only fork children, through
  // pthread_atfork, are told apart).
  bool set();
  // True in a child that got a copy of the tracked process's memory.
  bool in_child_copy() const { return page_ && page_->load(std::memory_order_relaxed) == 0; }
  // True in any process but the tracked one, vfork children included (getpid()).
  bool in_other_process() const;

 private:
  std::atomic<int>* page_ = nullptr;
  pid_t pid_ = 0;
};

extern ProcessMark g_process_mark;

}  // namespace vigil::preload
