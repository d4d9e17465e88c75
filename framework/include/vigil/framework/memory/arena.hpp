#pragma once
// A per-request bump allocator: allocation is a pointer increment; reset()
// rewinds to the start, keeping blocks up to a retained bound. Blocks start
// small and each new one is twice the last (as bumpalo's and Zig's arenas
// grow, up to a largest size), so a small request costs little and a large
// one few blocks.
//
// The pipeline calls end_request() after every request. With
// reset_per_request off (the arena-no-reset bug) end_request() does nothing,
// so the arena grows by every request's allocations.

#include <cstddef>
#include <cstdint>
#include <string_view>


namespace vigil::framework {

struct ArenaOptions {
  std::size_t block_size = 1024;               // size of the first block
  std::size_t max_block_size = 1024 * 1024;    // blocks double up to this size
  std::size_t max_retained_bytes = 64 * 1024;  // blocks kept across reset()
  bool reset_per_request = true;                // end_request() rewinds
};

class Arena {
 public:
  explicit Arena(ArenaOptions options = {});
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // `align` must be a power of two. Never returns null (throws bad_alloc).
  // Inline: a bump within the current block. A new block, a zero size or a
  // bad alignment go out of line.
  void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if (size != 0 && align != 0 && (align & (align - 1)) == 0) {
      void* p;
      if (bump(size, align, p)) return p;
    }
    return allocate_slow(size, align);
  }
  // A copy of `text` in the arena.
  std::string_view copy(std::string_view text);

  template <class T>
  T* allocate_array(std::size_t n) {
    return static_cast<T*>(allocate(n * sizeof(T), alignof(T)));
  }

  // Rewinds unconditionally (whatever the options).
  void reset();
  // End of a request: reset(), unless reset_per_request is off.
  void end_request();

  std::size_t bytes_used() const;      // handed out since the last reset
  std::size_t bytes_reserved() const;  // held from the system
  std::size_t block_count() const { return block_count_; }

 private:
  struct Block;
  Block* new_block(std::size_t min_payload);
  void* allocate_slow(std::size_t size, std::size_t align);
  // `size` bytes at `align` (a power of two) from the current block into
  // `out`; false when there is none or it lacks the room. (A bool, not a
  // null pointer: the caller's branch is then the fit test itself.)
  bool bump(std::size_t size, std::size_t align, void*& out) {
    if (cursor_ == nullptr) return false;
    const auto at = reinterpret_cast<std::uintptr_t>(cursor_);
    const std::uintptr_t aligned = (at + (align - 1)) & ~(static_cast<std::uintptr_t>(align) - 1);
    const auto room = static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(limit_) - at);
    const std::size_t padding = aligned - at;
    if (padding > room || size > room - padding) return false;
    cursor_ = reinterpret_cast<char*>(aligned + size);
    out = reinterpret_cast<void*>(aligned);
    return true;
  }

  ArenaOptions options_;
  Block* first_ = nullptr;    // chain of blocks, oldest first
  Block* current_ = nullptr;  // block being bumped
  char* cursor_ = nullptr;
  char* limit_ = nullptr;
  std::size_t used_before_current_ = 0;  // bytes used in blocks before current_
  std::size_t reserved_ = 0;
  std::size_t next_block_size_;  // of the next regular block
  std::size_t block_count_ = 0;
};

}  // namespace vigil::framework
