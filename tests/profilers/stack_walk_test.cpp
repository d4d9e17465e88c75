// The preload's stack walk (profilers/src/preload/stack_walk.cpp), run in
// this process and checked against libunwind's unw_backtrace on the same
// stack: through frame pointers, through code built without them while rbp
// holds garbage, from a frame whose saved rbp points off the stack, on a
// signal stack, and on a stack whose bounds it does not know.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <ucontext.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "code_map.hpp"
#include "frame_steps.hpp"
#include "stack_walk.hpp"

extern "C" int nofp_outer(void (*callback)(void*), void* arg);
extern "C" void nofp_inner(void (*callback)(void*), void* arg);
extern "C" void fp_a(void (*callback)(void*), void* arg);
extern "C" void fp_d(void (*callback)(void*), void* arg);

namespace vpl = vigil::preload;

namespace {

#define NOINLINE __attribute__((noinline))

vpl::StackBounds this_thread_stack() {
  pthread_attr_t attr;
  void* addr = nullptr;
  std::size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
  }
  const auto lo = reinterpret_cast<std::uintptr_t>(addr);
  return vpl::StackBounds{lo, lo + size};
}

// What a walk saw; filled without allocating (a signal handler fills one).
struct Walk {
  vpl::StackBounds bounds;
  std::uintptr_t frames[64] = {};  // walk_stack from the caller of walk_here
  unsigned depth = 0;
  void* raw[80] = {};              // unw_backtrace from walk_here
  int raw_depth = 0;
  std::uintptr_t into_caller = 0;  // walk_here's own return address
  std::uintptr_t marker = 0;       // a return address its caller noted

  std::vector<std::uintptr_t> walked() const { return {frames, frames + depth}; }
  // libunwind's stack from the same frame on (raw[0] is inside walk_here).
  std::vector<std::uintptr_t> reference() const {
    std::vector<std::uintptr_t> out;
    for (int i = 1; i < raw_depth; ++i) out.push_back(reinterpret_cast<std::uintptr_t>(raw[i]));
    return out;
  }
};

// Walks the stack from its caller, and asks libunwind for the same stack.
NOINLINE void walk_here(Walk* w) {
  w->depth = vpl::walk_stack(__builtin_frame_address(0), w->bounds, w->frames, 64, true);
  w->into_caller = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  w->raw_depth = unw_backtrace(w->raw, 80);
  asm volatile("");
}

// The exported function a return address lies in (dladdr reads the dynamic
// symbol table only).
std::string function_of(std::uintptr_t return_address) {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(return_address - 1), &info) == 0 || !info.dli_sname) return "?";
  return info.dli_sname;
}

class StackWalk : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(vpl::g_frame_steps.init());
    vpl::g_code_map.refresh();
  }
};

NOINLINE void walk_from_callback(void* w) {
  walk_here(static_cast<Walk*>(w));
  asm volatile("");
}

TEST_F(StackWalk, FollowsFramePointersToTheEndOfTheStack) {
  Walk w{.bounds = this_thread_stack()};
  fp_a(walk_from_callback, &w);
  ASSERT_GE(w.walked().size(), 6u);
  EXPECT_EQ(function_of(w.walked()[1]), "fp_d");
  EXPECT_EQ(function_of(w.walked()[4]), "fp_a");
  EXPECT_EQ(w.walked(), w.reference());
}

NOINLINE void call_through_code_without_frame_pointers(Walk* w) {
  nofp_outer(walk_from_callback, w);
  asm volatile("");
}

TEST_F(StackWalk, CrossesCodeWithoutFramePointersByItsUnwindTables) {
  Walk w{.bounds = this_thread_stack()};
  call_through_code_without_frame_pointers(&w);
  ASSERT_GE(w.walked().size(), 5u);
  EXPECT_EQ(w.walked()[0], w.into_caller);
  EXPECT_EQ(function_of(w.walked()[1]), "nofp_inner");
  EXPECT_EQ(function_of(w.walked()[2]), "nofp_outer");
  // On past them into code with frame pointers (rbp held garbage meanwhile),
  // to the end of the stack, as libunwind does.
  EXPECT_EQ(w.walked(), w.reference());
}

TEST_F(StackWalk, DecidesPerModuleWhetherItsCodeKeepsFramePointers) {
  const vpl::CodeRange* with = vpl::g_code_map.find(reinterpret_cast<std::uintptr_t>(&fp_a));
  ASSERT_NE(with, nullptr);
  EXPECT_TRUE(with->frame_pointers);
  const vpl::CodeRange* without = vpl::g_code_map.find(reinterpret_cast<std::uintptr_t>(&nofp_outer));
  ASSERT_NE(without, nullptr);
  EXPECT_FALSE(without->frame_pointers);
  // Debian's C library is built without frame pointers.
  const vpl::CodeRange* libc = vpl::g_code_map.find(reinterpret_cast<std::uintptr_t>(dlsym(RTLD_DEFAULT, "qsort")));
  ASSERT_NE(libc, nullptr);
  EXPECT_FALSE(libc->frame_pointers);
}

TEST_F(StackWalk, ReadsTheRulesOfCodeWithoutFramePointers) {
  Walk w{.bounds = this_thread_stack()};
  call_through_code_without_frame_pointers(&w);
  bool checked = false;
  const std::vector<std::uintptr_t> walked = w.walked();
  for (std::uintptr_t pc : walked) {
    if (function_of(pc) != "nofp_outer") continue;
    // nofp_outer called nofp_inner with a frame addressed from rsp.
    const vpl::FrameRule rule = vpl::read_frame_rule(pc);
    ASSERT_TRUE(rule.usable);
    EXPECT_FALSE(rule.cfa_from_rbp);
    EXPECT_GT(rule.cfa_offset, 8);
    EXPECT_EQ(rule.ra_offset, -8);
    // The walk cached the same rule, with the module's code.
    const vpl::FrameStep cached = vpl::g_frame_steps.find(pc, vpl::Lookup::CacheOnly);
    ASSERT_NE(cached.code, nullptr);
    EXPECT_FALSE(cached.code->frame_pointers);
    EXPECT_TRUE(cached.rule.usable);
    // A signal handler's lookup reads the same rule in place, without the loader's lock.
    vpl::g_frame_steps.clear();
    EXPECT_EQ(vpl::g_frame_steps.find(pc, vpl::Lookup::CacheOnly).code, nullptr);
    const vpl::FrameStep in_place = vpl::g_frame_steps.find(pc, vpl::Lookup::InPlace);
    ASSERT_NE(in_place.code, nullptr);
    EXPECT_TRUE(in_place.rule.usable);
    EXPECT_EQ(in_place.rule.cfa_offset, rule.cfa_offset);
    EXPECT_EQ(in_place.rule.ra_offset, rule.ra_offset);
    EXPECT_EQ(cached.rule.cfa_offset, rule.cfa_offset);
    EXPECT_EQ(cached.rule.ra_offset, rule.ra_offset);
    checked = true;
  }
  EXPECT_TRUE(checked);
}

// A frame whose saved rbp is the top of the address space — what GNU as had
// in rbp when the old walk computed fp + 16, wrapped past zero, passed its
// bound check and read unmapped memory — and whose return address is in
// code that keeps frame pointers, so that rbp is what the walk would follow.
NOINLINE void walk_fake_frame(Walk* w) {
  std::uintptr_t fake[2] = {~std::uintptr_t{15}, reinterpret_cast<std::uintptr_t>(&fp_d) + 1};
  w->depth = vpl::walk_stack(fake, w->bounds, w->frames, 8, true);
  asm volatile("" ::"r"(fake) : "memory");
}

TEST_F(StackWalk, NeverFollowsAFrameOffTheStack) {
  Walk w{.bounds = this_thread_stack()};
  walk_fake_frame(&w);
  ASSERT_EQ(w.walked().size(), 1u);  // the return address it holds, and no further
  EXPECT_EQ(w.walked()[0], reinterpret_cast<std::uintptr_t>(&fp_d) + 1);
  // An entry frame that is not on this stack at all yields nothing.
  std::uintptr_t frames[8];
  auto* heap = static_cast<std::uintptr_t*>(std::calloc(4, sizeof(std::uintptr_t)));
  EXPECT_EQ(vpl::walk_stack(heap, w.bounds, frames, 8, true), 0u);
  std::free(heap);
}

Walk* g_signal_walk = nullptr;

NOINLINE void on_signal(int) {
  g_signal_walk->marker = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  walk_here(g_signal_walk);
  asm volatile("");
}

TEST_F(StackWalk, StaysOnTheSignalStackItRunsOn) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer runs signal handlers itself, from its own frames";
#endif
  constexpr std::size_t kSize = 1 << 16;
  std::vector<char> alternate(kSize);
  stack_t ss{};
  ss.ss_sp = alternate.data();
  ss.ss_size = kSize;
  stack_t old{};
  ASSERT_EQ(sigaltstack(&ss, &old), 0);
  struct sigaction action{}, previous{};
  action.sa_handler = on_signal;
  action.sa_flags = SA_ONSTACK;
  ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);
  Walk w{.bounds = this_thread_stack()};
  g_signal_walk = &w;
  walk_here(&w);  // libunwind sets up its caches outside the handler
  raise(SIGUSR1);
  sigaction(SIGUSR1, &previous, nullptr);
  sigaltstack(&old, nullptr);
  // The handler, then the signal trampoline, whose frame is not followed.
  ASSERT_EQ(w.walked().size(), 2u);
  EXPECT_EQ(w.walked()[0], w.into_caller);
  EXPECT_EQ(w.walked()[1], w.marker);
}

Walk* g_context_walk = nullptr;
ucontext_t g_main_context, g_side_context;

void on_side_stack() { walk_here(g_context_walk); }

TEST_F(StackWalk, TakesOnlyTheEntryPointsReturnAddressOnAStackOfUnknownBounds) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer does not follow swapcontext";
#endif
  constexpr std::size_t kSize = 1 << 16;
  std::vector<char> side(kSize);
  ASSERT_EQ(getcontext(&g_side_context), 0);
  g_side_context.uc_stack.ss_sp = side.data();
  g_side_context.uc_stack.ss_size = kSize;
  g_side_context.uc_link = &g_main_context;
  makecontext(&g_side_context, on_side_stack, 0);
  Walk w{.bounds = this_thread_stack()};
  g_context_walk = &w;
  ASSERT_EQ(swapcontext(&g_main_context, &g_side_context), 0);
  ASSERT_EQ(w.walked().size(), 1u);
  EXPECT_EQ(w.walked()[0], w.into_caller);
}

}  // namespace
