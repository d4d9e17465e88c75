// Symbolizes addresses of this very test program, with a module map built
// the way the preload builds it (dl_iterate_phdr).
#include <gtest/gtest.h>

#include <link.h>
#include <unistd.h>

#include <string>

#include "vigil/profilers/loaded_modules.hpp"
#include "vigil/profilers/symbolizer.hpp"

namespace vp = vigil::profilers;

namespace {

std::vector<vp::Module> own_modules() { return vp::loaded_modules(); }

namespace outer {
__attribute__((noinline)) std::uint64_t return_address_here() {
  return reinterpret_cast<std::uint64_t>(__builtin_return_address(0));
}
}  // namespace outer

__attribute__((noinline)) std::uint64_t caller_of_return_address() {
  const std::uint64_t a = outer::return_address_here();  // the line checked below
  asm volatile("" ::: "memory");
  return a;
}
constexpr int kCallLine = __LINE__ - 4;

// Two functions forced inline into a noinline one: at pc there is one return
// address for three functions, and each must be a frame of its own.
namespace inline_chain {
[[gnu::always_inline]] inline std::uint64_t innermost() {
  return outer::return_address_here();
}
constexpr int kInnermostLine = __LINE__ - 2;

[[gnu::always_inline]] inline std::uint64_t middle() {
  const std::uint64_t a = innermost();
  asm volatile("" ::: "memory");
  return a;
}
constexpr int kMiddleLine = __LINE__ - 4;

__attribute__((noinline)) std::uint64_t outermost() {
  const std::uint64_t a = middle();
  asm volatile("" ::: "memory");  // no tail call: the return address stays in here
  return a;
}
constexpr int kOutermostLine = __LINE__ - 4;
}  // namespace inline_chain

// A lambda in a constructor: GCC describes its operator() inside the
// constructor's abstract definition, which has no code of its own.
struct LambdaInConstructor {
  __attribute__((noinline)) LambdaInConstructor() {
    auto lambda = []() __attribute__((noinline)) {
      const std::uint64_t a = outer::return_address_here();
      asm volatile("" ::: "memory");
      return a;
    };
    address = lambda();
    asm volatile("" ::: "memory");
  }
  std::uint64_t address = 0;
};
constexpr int kLambdaCallLine = __LINE__ - 9;

}  // namespace

TEST(Symbolizer, NamesFunctionFileAndLineOfAReturnAddress) {
  vp::Symbolizer sym(own_modules());
  const std::uint64_t address = caller_of_return_address();
  const auto frames = sym.symbolize(address);
  ASSERT_FALSE(frames.empty());
  const auto& f = frames.back();
  EXPECT_NE(f.function.find("caller_of_return_address"), std::string::npos) << f.function;
  EXPECT_TRUE(f.file.ends_with("symbolizer_test.cpp")) << f.file;
  EXPECT_EQ(frames.front().line, kCallLine);
  EXPECT_FALSE(f.module.empty());
  EXPECT_EQ(sym.symbolize(address).size(), frames.size());  // cached, same answer
  const auto report = frames.front().to_report_frame();
  EXPECT_EQ(report.line, kCallLine);
  EXPECT_EQ(report.function, frames.front().function);
}

TEST(Symbolizer, ExpandsInlinedCallsInnermostFirstWithTheirCallLines) {
  vp::Symbolizer sym(own_modules());
  const auto frames = sym.symbolize(inline_chain::outermost());
  ASSERT_EQ(frames.size(), 3u);
  const int expected_lines[] = {inline_chain::kInnermostLine, inline_chain::kMiddleLine,
                                inline_chain::kOutermostLine};
  const char* expected_names[] = {"inline_chain::innermost", "inline_chain::middle", "inline_chain::outermost"};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& f = frames[i];
    EXPECT_NE(f.function.find(expected_names[i]), std::string::npos) << i << ": " << f.function;
    EXPECT_TRUE(f.file.ends_with("symbolizer_test.cpp")) << i << ": " << f.file;
    EXPECT_EQ(f.line, expected_lines[i]) << i << ": " << f.function;
    EXPECT_EQ(f.inlined, i + 1 < frames.size()) << i;
    EXPECT_EQ(f.address, frames[0].address);
    EXPECT_EQ(f.module, frames[0].module);
  }
}

TEST(Symbolizer, NamesTheLineInsideALambda) {
  vp::Symbolizer sym(own_modules());
  const auto frames = sym.symbolize(LambdaInConstructor().address);
  ASSERT_FALSE(frames.empty());
  const auto& f = frames.back();
  EXPECT_NE(f.function.find("LambdaInConstructor"), std::string::npos) << f.function;
  EXPECT_NE(f.function.find("lambda"), std::string::npos) << f.function;
  EXPECT_TRUE(f.file.ends_with("symbolizer_test.cpp")) << f.file;
  EXPECT_EQ(frames.front().line, kLambdaCallLine);
}

TEST(Symbolizer, FallsBackToModuleAndOffsetOrRawAddress) {
  vp::Symbolizer sym(own_modules());
  const auto unknown = sym.symbolize(0x10);
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_TRUE(unknown[0].function.empty());
  EXPECT_TRUE(unknown[0].module.empty());
  EXPECT_EQ(unknown[0].offset, 0x10u);
  // libc has symbols but (usually) no line info here: module and offset remain.
  const auto libc = sym.symbolize(reinterpret_cast<std::uint64_t>(&::getpid) + 1);
  ASSERT_FALSE(libc.empty());
  EXPECT_NE(libc[0].module.find("libc"), std::string::npos) << libc[0].module;
  EXPECT_GT(libc[0].offset, 0u);
}

TEST(Symbolizer, DropsAllocatorFrames) {
  vp::SymbolizedFrame f;
  f.function = "operator new(unsigned long)";
  EXPECT_TRUE(vp::Symbolizer::is_allocator_frame(f));
  f.function = "malloc";
  EXPECT_TRUE(vp::Symbolizer::is_allocator_frame(f));
  f.function = "my_malloc_wrapper";
  EXPECT_FALSE(vp::Symbolizer::is_allocator_frame(f));
  f.module = "/x/libvigil_preload.so";
  EXPECT_TRUE(vp::Symbolizer::is_allocator_frame(f));
}

TEST(Symbolizer, Demangles) {
  EXPECT_EQ(vp::demangle("_ZN3foo3barEv"), "foo::bar()");
  EXPECT_EQ(vp::demangle("plain_c"), "plain_c");
  EXPECT_EQ(vp::demangle("_Zgarbage"), "_Zgarbage");
}
