#pragma once
// The bounds of the stack an interrupted thread runs on, found from inside
// a signal handler: the readable mapping of /proc/self/maps that holds its
// stack pointer (thread stacks are mappings of their own, guard pages
// apart). Only open/read/close: async-signal-safe, no heap. A thread's
// answer is kept while its stack pointer stays inside it.

#include <cstdint>

#include "stack_walk.hpp"

namespace vigil::sampling {

// The readable mapping holding `address`; hi = 0 when none is found.
preload::StackBounds mapping_holding(std::uintptr_t address);

// The calling thread's stack around `sp`, looked up once per thread (and
// again when sp leaves it: a coroutine's stack, a signal stack).
preload::StackBounds thread_stack_around(std::uintptr_t sp);

}  // namespace vigil::sampling
