// The interposed allocator entry points. Each forwards to glibc's
// __libc_* functions (no dlsym bootstrap, so nothing can recurse before the
// tracker is up) and reports to the tracker with its own frame address, from
// which the stack walk starts at the caller. operator new/delete are
// interposed too, so that a stack starts at the code that called new rather
// than in libstdc++ (built without frame pointers: one more frame to cross
// by its unwind tables).
// malloc, free, new and delete keep their untracked path (sampled out, or a
// block never tracked) to a few instructions and a tail call into glibc;
// the tracked path is out of line so the fast one saves no registers.
// Blocks keep glibc's layout, so the functions that only read the heap —
// malloc_usable_size, malloc_trim, mallinfo2, malloc_info, mallopt — are
// glibc's own, not interposed.

#include <errno.h>

#include <cstddef>
#include <cstdint>
#include <new>

#include "tracker.hpp"

extern "C" {
void* __libc_malloc(size_t);
void __libc_free(void*);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void* __libc_valloc(size_t);
void* __libc_pvalloc(size_t);
}

#define VIGIL_EXPORT extern "C" __attribute__((visibility("default")))
#define VIGIL_FRAME __builtin_frame_address(0)

namespace vigil::preload {
namespace {

__attribute__((noinline)) void release_tracked(void* p) {
  LiveBlock old;
  on_freeing(p, &old);
  __libc_free(p);
}

__attribute__((always_inline)) inline void release(void* p) {
  if (__builtin_expect(g_blocks.may_hold(reinterpret_cast<std::uintptr_t>(p)), 0)) return release_tracked(p);
  __libc_free(p);
}

// `frame` is the entry point's frame (see on_allocated).
__attribute__((noinline)) void* malloc_tracked(size_t size, void* frame) {
  void* p = __libc_malloc(size);
  on_allocated(p, size, frame);
  return p;
}

__attribute__((always_inline)) inline void* reallocate(void* p, size_t size, void* frame) {
  if (p == nullptr) {
    if (sampler_skips(size)) return __libc_malloc(size);
    return malloc_tracked(size, frame);
  }
  if (size == 0) {  // glibc: frees p and returns NULL
    release(p);
    return nullptr;
  }
  const bool skip = sampler_skips(size);
  LiveBlock old;
  const bool tracked = on_releasing(p, &old);
  void* q = __libc_realloc(p, size);
  if (q == nullptr) {
    if (tracked) on_restored(old);
    return nullptr;
  }
  if (!skip) on_allocated(q, size, frame);
  return q;
}

__attribute__((always_inline)) inline void* aligned(size_t alignment, size_t size, void* frame) {
  if (sampler_skips(size)) return __libc_memalign(alignment, size);
  void* p = __libc_memalign(alignment, size);
  on_allocated(p, size, frame);
  return p;
}

// operator new past its fast path: retry through the new_handler, else
// throw (or nullptr).
template <bool Throw>
__attribute__((noinline)) void* new_block_slow(size_t size, size_t alignment, bool skip, void* frame) {
  for (;;) {
    void* p = alignment ? __libc_memalign(alignment, size) : __libc_malloc(size);
    if (p) {
      if (!skip) on_allocated(p, size, frame);
      return p;
    }
    std::new_handler handler = std::get_new_handler();
    if (!handler) {
      if constexpr (Throw) throw std::bad_alloc();
      return nullptr;
    }
    if constexpr (Throw) {
      handler();
    } else {
      try {
        handler();
      } catch (...) {
        return nullptr;
      }
    }
  }
}

template <bool Throw>
__attribute__((always_inline)) inline void* new_block(size_t size, size_t alignment, void* frame) {
  if (size == 0) size = 1;
  const bool skip = sampler_skips(size);
  if (__builtin_expect(skip && alignment == 0, 1)) {
    void* p = __libc_malloc(size);
    if (__builtin_expect(p != nullptr, 1)) return p;
  }
  return new_block_slow<Throw>(size, alignment, skip, frame);
}

}  // namespace
}  // namespace vigil::preload

using namespace vigil::preload;

VIGIL_EXPORT void* malloc(size_t size) {
  if (__builtin_expect(sampler_skips(size), 1)) return __libc_malloc(size);
  return malloc_tracked(size, VIGIL_FRAME);
}

VIGIL_EXPORT void free(void* p) { release(p); }

VIGIL_EXPORT void* calloc(size_t n, size_t size) {
  if (sampler_skips(n * size)) return __libc_calloc(n, size);
  void* p = __libc_calloc(n, size);
  on_allocated(p, n * size, VIGIL_FRAME);
  return p;
}

VIGIL_EXPORT void* realloc(void* p, size_t size) { return reallocate(p, size, VIGIL_FRAME); }

VIGIL_EXPORT void* reallocarray(void* p, size_t n, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return reallocate(p, bytes, VIGIL_FRAME);
}

VIGIL_EXPORT int posix_memalign(void** out, size_t alignment, size_t size) {
  if (alignment == 0 || alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  const bool skip = sampler_skips(size);
  void* p = __libc_memalign(alignment, size);
  if (!p) return ENOMEM;
  if (!skip) on_allocated(p, size, VIGIL_FRAME);
  *out = p;
  return 0;
}

VIGIL_EXPORT void* aligned_alloc(size_t alignment, size_t size) { return aligned(alignment, size, VIGIL_FRAME); }

VIGIL_EXPORT void* memalign(size_t alignment, size_t size) { return aligned(alignment, size, VIGIL_FRAME); }

VIGIL_EXPORT void* valloc(size_t size) {
  if (sampler_skips(size)) return __libc_valloc(size);
  void* p = __libc_valloc(size);
  on_allocated(p, size, VIGIL_FRAME);
  return p;
}

VIGIL_EXPORT void* pvalloc(size_t size) {
  if (sampler_skips(size)) return __libc_pvalloc(size);
  void* p = __libc_pvalloc(size);
  on_allocated(p, size, VIGIL_FRAME);
  return p;
}

VIGIL_EXPORT void vigil_preload_cycle(void) { cycle_snapshot(); }
VIGIL_EXPORT void vigil_cycle(void) { cycle_snapshot(); }

#define VIGIL_CXX_EXPORT __attribute__((visibility("default")))

VIGIL_CXX_EXPORT void* operator new(size_t size) { return new_block<true>(size, 0, VIGIL_FRAME); }
VIGIL_CXX_EXPORT void* operator new[](size_t size) { return new_block<true>(size, 0, VIGIL_FRAME); }
VIGIL_CXX_EXPORT void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return new_block<false>(size, 0, VIGIL_FRAME);
}
VIGIL_CXX_EXPORT void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return new_block<false>(size, 0, VIGIL_FRAME);
}
VIGIL_CXX_EXPORT void* operator new(size_t size, std::align_val_t al) {
  return new_block<true>(size, static_cast<size_t>(al), VIGIL_FRAME);
}
VIGIL_CXX_EXPORT void* operator new[](size_t size, std::align_val_t al) {
  return new_block<true>(size, static_cast<size_t>(al), VIGIL_FRAME);
}
VIGIL_CXX_EXPORT void* operator new(size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return new_block<false>(size, static_cast<size_t>(al), VIGIL_FRAME);
}
VIGIL_CXX_EXPORT void* operator new[](size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return new_block<false>(size, static_cast<size_t>(al), VIGIL_FRAME);
}

VIGIL_CXX_EXPORT void operator delete(void* p) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete[](void* p) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete(void* p, size_t) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete[](void* p, size_t) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete(void* p, std::align_val_t) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete(void* p, size_t, std::align_val_t) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete[](void* p, size_t, std::align_val_t) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
VIGIL_CXX_EXPORT void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
