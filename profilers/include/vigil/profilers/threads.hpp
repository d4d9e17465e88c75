#pragma once
// Thread census: how many threads a process has right now, from /proc.

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <vector>

namespace vigil::profilers {

// Live threads of this process (entries of /proc/self/task).
std::size_t count_threads();
// Live threads of `pid`; nullopt when the process does not exist (any more).
std::optional<std::size_t> count_threads(pid_t pid);
// Thread ids of `pid` (empty when it does not exist), sorted.
std::vector<pid_t> list_threads(pid_t pid);

}  // namespace vigil::profilers
