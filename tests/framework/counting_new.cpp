#include "counting_new.hpp"

#include <cstdlib>
#include <new>

namespace vigil::framework::testing {
namespace {
// Per-thread so other tests' threads do not disturb a count.
thread_local int t_depth = 0;
thread_local AllocationTally t_tally;
}  // namespace

CountingScope::CountingScope() : start_(t_tally) { ++t_depth; }
CountingScope::~CountingScope() { --t_depth; }
AllocationTally CountingScope::tally() const {
  return {t_tally.news - start_.news, t_tally.deletes - start_.deletes};
}

}  // namespace vigil::framework::testing

using vigil::framework::testing::t_depth;
using vigil::framework::testing::t_tally;

void* operator new(std::size_t n) {
  if (t_depth > 0) ++t_tally.news;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept {
  if (p != nullptr && t_depth > 0) ++t_tally.deletes;
  std::free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }
