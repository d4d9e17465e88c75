// The whole allocation API, checked against glibc's documented behaviour
// and, case by case, against glibc's own definitions (looked up in
// libc.so.6 itself, past any interposer): run bare and under the preload,
// it must pass the same. Prints each failed check on stderr; exit 0 when
// none failed. Usage: vigil_profilers_alloc_api.
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

int g_failures = 0;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "alloc_api: FAIL: %s\n", what);
  ++g_failures;
}

// Sizes and alignments the compiler must not fold or warn about, and a
// place the blocks go so that it keeps their allocation.
volatile std::size_t g_huge = SIZE_MAX - 4096;
volatile std::size_t g_zero = 0;
void* volatile g_sink;

void* kept(void* p) {
  g_sink = p;
  return p;
}

bool aligned_to(const void* p, std::size_t alignment) {
  return p && reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

// glibc's own definitions, whatever this process's malloc is.
struct Glibc {
  void* handle = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  template <typename F>
  F get(const char* name) const {
    return reinterpret_cast<F>(dlsym(handle, name));
  }
  decltype(&::aligned_alloc) aligned_alloc = get<decltype(&::aligned_alloc)>("aligned_alloc");
  decltype(&::memalign) memalign = get<decltype(&::memalign)>("memalign");
  decltype(&::posix_memalign) posix_memalign = get<decltype(&::posix_memalign)>("posix_memalign");
  decltype(&::free) free = get<decltype(&::free)>("free");
};

// What a call returned: null or not, errno (or the return code), alignment.
struct Outcome {
  bool null;
  int error;
  bool aligned;
  bool operator==(const Outcome&) const = default;
};

void malloc_and_calloc() {
  void* p = std::malloc(g_zero);
  check(p != nullptr, "malloc(0) returns a unique pointer");
  std::free(p);
  errno = 0;
  check(std::malloc(g_huge) == nullptr && errno == ENOMEM, "malloc(huge) fails with ENOMEM");
  auto* z = static_cast<unsigned char*>(std::calloc(1000, 3));
  bool zeroed = z != nullptr;
  for (int i = 0; zeroed && i < 3000; ++i) zeroed = z[i] == 0;
  check(zeroed, "calloc zeroes its block");
  std::free(z);
  errno = 0;
  check(std::calloc(g_huge / 2, 3) == nullptr && errno == ENOMEM, "calloc(n, size) overflowing fails with ENOMEM");
  check(std::calloc(g_zero, 8) != nullptr, "calloc(0, size) returns a pointer");
  free(nullptr);
  check(malloc_usable_size(nullptr) == 0, "malloc_usable_size(NULL) is 0");
}

void realloc_family() {
  auto* p = static_cast<char*>(std::realloc(nullptr, 100));
  check(p != nullptr, "realloc(NULL, n) allocates");
  std::memset(p, 'x', 100);
  p = static_cast<char*>(std::realloc(p, 100000));
  check(p && p[0] == 'x' && p[99] == 'x', "realloc keeps the contents when growing");
  p = static_cast<char*>(std::realloc(p, 10));
  check(p && p[9] == 'x', "realloc keeps the contents when shrinking");
  errno = 0;
  if (char* bigger = static_cast<char*>(std::realloc(p, g_huge))) {
    check(false, "realloc(p, huge) fails");
    p = bigger;
  } else {
    check(errno == ENOMEM, "realloc(p, huge) fails with ENOMEM");
    check(p[0] == 'x' && malloc_usable_size(p) >= 10, "a failed realloc leaves the block as it was");
  }
  // realloc(p, 0) frees p and returns NULL (glibc): the heap's used bytes
  // go back to what they were.
  const std::size_t before = mallinfo2().uordblks;
  void* q = kept(std::malloc(5000));
  const std::size_t with = mallinfo2().uordblks;
  check(std::realloc(q, g_zero) == nullptr, "realloc(p, 0) returns NULL");
  check(with >= before + 5000 && mallinfo2().uordblks == before, "realloc(p, 0) frees p");
  errno = 0;
  if (char* bigger = static_cast<char*>(reallocarray(p, g_huge / 2, 3))) {
    check(false, "reallocarray overflowing fails");
    p = bigger;
  } else {
    check(errno == ENOMEM, "reallocarray overflowing fails with ENOMEM");
    check(p[0] == 'x', "a failed reallocarray leaves the block as it was");
  }
  p = static_cast<char*>(reallocarray(p, 30, 10));
  check(p && malloc_usable_size(p) >= 300 && p[0] == 'x', "reallocarray resizes");
  std::free(p);
}

void aligned_family(const Glibc& glibc) {
  const long page = sysconf(_SC_PAGESIZE);
  const std::size_t alignments[] = {0, 1, 3, 4, 8, 16, 24, 64, 4096, 1u << 20};
  const std::size_t sizes[] = {0, 1, 100, 5000};
  for (std::size_t alignment : alignments) {
    for (std::size_t size : sizes) {
      const std::size_t a = alignment;
      const std::size_t s = size + g_zero;
      auto outcome = [&](void* p, int error) {
        return Outcome{p == nullptr, error, p == nullptr || a == 0 || (a & (a - 1)) != 0 || aligned_to(p, a)};
      };
      errno = 0;
      void* ours = aligned_alloc(a, s);
      const Outcome o1 = outcome(ours, ours ? 0 : errno);
      errno = 0;
      void* theirs = glibc.aligned_alloc(a, s);
      const Outcome o2 = outcome(theirs, theirs ? 0 : errno);
      check(o1 == o2, "aligned_alloc answers as glibc's");
      std::free(ours);
      glibc.free(theirs);

      errno = 0;
      ours = memalign(a, s);
      const Outcome m1 = outcome(ours, ours ? 0 : errno);
      errno = 0;
      theirs = glibc.memalign(a, s);
      const Outcome m2 = outcome(theirs, theirs ? 0 : errno);
      check(m1 == m2, "memalign answers as glibc's");
      std::free(ours);
      glibc.free(theirs);

      void* kept = &g_failures;  // must be left alone on failure
      void* mine = kept;
      const int r1 = posix_memalign(&mine, a, s);
      void* other = kept;
      const int r2 = glibc.posix_memalign(&other, a, s);
      check(r1 == r2, "posix_memalign returns what glibc's does");
      check(r1 != 0 ? mine == kept : aligned_to(mine, a), "posix_memalign leaves *ptr alone on failure, aligns on success");
      if (r1 == 0) std::free(mine);
      if (r2 == 0) glibc.free(other);
    }
  }
  void* huge = &g_failures;
  check(posix_memalign(&huge, 64, g_huge) == ENOMEM && huge == &g_failures, "posix_memalign(huge) is ENOMEM");
  void* v = valloc(100 + g_zero);
  check(aligned_to(v, static_cast<std::size_t>(page)), "valloc aligns to the page");
  std::free(v);
  void* pv = pvalloc(1 + g_zero);
  check(aligned_to(pv, static_cast<std::size_t>(page)) && malloc_usable_size(pv) >= static_cast<std::size_t>(page),
        "pvalloc aligns to the page and rounds the size up to it");
  std::free(pv);
}

void heap_statistics() {
  const struct mallinfo2 before = mallinfo2();
  void* blocks[64];
  for (auto& b : blocks) b = kept(std::malloc(1000 + g_zero));
  const struct mallinfo2 with = mallinfo2();
  check(with.uordblks >= before.uordblks + 64 * 1000, "mallinfo2 counts the bytes in use");
  for (auto& b : blocks) std::free(b);
  // All but the few kept in the thread's cache of freed chunks (7 per size).
  check(mallinfo2().uordblks + 50 * 1000 <= with.uordblks, "mallinfo2 sees them freed");
  const struct mallinfo2 unmapped = mallinfo2();
  void* big = kept(std::malloc((64u << 20) + g_zero));  // above the largest mmap threshold (32 MiB)
  const struct mallinfo2 mapped = mallinfo2();
  check(mapped.hblks == unmapped.hblks + 1 && mapped.hblkhd >= unmapped.hblkhd + (64u << 20),
        "mallinfo2 counts a mapped block");
  std::free(big);
  const int trimmed = malloc_trim(0);
  check(trimmed == 0 || trimmed == 1, "malloc_trim returns 0 or 1");
  check(mallopt(M_TRIM_THRESHOLD, 256 * 1024) == 1, "mallopt accepts M_TRIM_THRESHOLD");
}

void cxx_operators() {
  char* a = new char[100];
  delete[] a;
  void* aligned = ::operator new(100, std::align_val_t(256));
  check(aligned_to(aligned, 256), "aligned operator new aligns");
  ::operator delete(aligned, std::align_val_t(256));
  bool threw = false;
  try {
    void* p = ::operator new(g_huge);
    ::operator delete(p);
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  check(threw, "operator new(huge) throws bad_alloc");
  check(::operator new(g_huge, std::nothrow) == nullptr, "nothrow operator new(huge) returns NULL");
  check(::operator new(g_zero) != nullptr, "operator new(0) returns a pointer");
}

}  // namespace

int main() {
  const Glibc glibc;
  if (!glibc.handle || !glibc.aligned_alloc || !glibc.memalign || !glibc.posix_memalign || !glibc.free) {
    std::fprintf(stderr, "alloc_api: cannot find glibc's own functions\n");
    return 2;
  }
  malloc_and_calloc();
  realloc_family();
  aligned_family(glibc);
  heap_statistics();
  cxx_operators();
  return g_failures == 0 ? 0 : 1;
}
