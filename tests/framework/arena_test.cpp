#include "vigil/framework/memory/arena.hpp"

#include <cstdint>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

namespace vigil::framework {
namespace {

bool aligned(const void* p, std::size_t align) { return reinterpret_cast<std::uintptr_t>(p) % align == 0; }

TEST(Arena, AllocatesAlignedDistinctMemory) {
  Arena arena;
  auto* a = static_cast<char*>(arena.allocate(3, 1));
  auto* b = static_cast<std::uint64_t*>(arena.allocate(sizeof(std::uint64_t), alignof(std::uint64_t)));
  auto* c = arena.allocate(10, 64);
  EXPECT_TRUE(aligned(b, alignof(std::uint64_t)));
  EXPECT_TRUE(aligned(c, 64));
  std::memset(a, 'x', 3);
  *b = 42;
  EXPECT_EQ(*b, 42u);
  EXPECT_NE(static_cast<void*>(a), static_cast<void*>(b));
  EXPECT_GE(arena.bytes_used(), 3u + 8u + 10u);
  EXPECT_EQ(arena.block_count(), 1u);
}

TEST(Arena, CopyKeepsText) {
  Arena arena;
  const std::string original = "/repos/vigil/vigil/issues/42";
  const std::string_view copy = arena.copy(original);
  EXPECT_EQ(copy, original);
  EXPECT_NE(copy.data(), original.data());
  EXPECT_EQ(arena.copy("").size(), 0u);
}

TEST(Arena, ResetRewindsAndReusesTheSameBlock) {
  Arena arena;
  void* first = arena.allocate(100);
  arena.allocate(200);
  arena.reset();
  EXPECT_EQ(arena.bytes_used(), 0u);
  EXPECT_EQ(arena.allocate(100), first);
  EXPECT_EQ(arena.block_count(), 1u);
}

TEST(Arena, GrowsIntoNewBlocksAndGivesBackBeyondTheRetainedBound) {
  ArenaOptions options;
  options.block_size = 1024;
  options.max_retained_bytes = 4096;
  options.max_block_size = 16 * 1024;
  Arena arena(options);
  for (int i = 0; i < 100; ++i) arena.allocate(512, 8);
  EXPECT_GE(arena.bytes_used(), 100u * 512u);
  // Blocks of 1, 2, 4, 8 KiB, then of the largest size, 16 KiB: 2 + 4 + 8 + 16 + 32 + 32 + 32 >= 100 allocations.
  EXPECT_EQ(arena.block_count(), 7u);
  EXPECT_EQ(arena.bytes_reserved(), (1u + 2 + 4 + 8 + 16 + 16 + 16) * 1024);
  arena.reset();
  EXPECT_EQ(arena.bytes_used(), 0u);
  EXPECT_LE(arena.bytes_reserved(), 4096u);
  EXPECT_GE(arena.block_count(), 1u);
}

TEST(Arena, LargeAllocationGetsItsOwnBlock) {
  ArenaOptions options;
  options.block_size = 1024;
  Arena arena(options);
  auto* big = static_cast<char*>(arena.allocate(100'000));
  std::memset(big, 1, 100'000);
  EXPECT_GE(arena.bytes_reserved(), 100'000u);
  arena.reset();
  EXPECT_LE(arena.bytes_reserved(), options.max_retained_bytes);
}

TEST(Arena, EndRequestResetsByDefault) {
  Arena arena;
  for (int request = 0; request < 1000; ++request) {
    arena.allocate(256);
    arena.end_request();
  }
  EXPECT_EQ(arena.bytes_used(), 0u);
  EXPECT_EQ(arena.block_count(), 1u);
}

TEST(Arena, ArenaNoResetDefectGrowsPerRequest) {
  Arena arena({.reset_per_request = false});
  for (int request = 0; request < 1000; ++request) {
    arena.allocate(256);
    arena.end_request();
  }
  EXPECT_GE(arena.bytes_used(), 1000u * 256u);
  EXPECT_GE(arena.bytes_reserved(), 1000u * 256u);
  arena.reset();  // an explicit reset still works
  EXPECT_EQ(arena.bytes_used(), 0u);
}

TEST(Arena, RejectsBadAlignment) {
  Arena arena;
  EXPECT_THROW(arena.allocate(8, 3), std::invalid_argument);
  EXPECT_THROW(arena.allocate(8, 0), std::invalid_argument);
  // Also where the current block has room (the inline bump).
  arena.allocate(8);
  EXPECT_THROW(arena.allocate(8, 3), std::invalid_argument);
  EXPECT_THROW(arena.allocate(8, 0), std::invalid_argument);
  // A zero size still gets memory of its own.
  EXPECT_NE(arena.allocate(0, 1), arena.allocate(0, 1));
}

}  // namespace
}  // namespace vigil::framework
