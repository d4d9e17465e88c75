// A library the target dlopen()s: its allocation must be tracked and named.
#include <cstdlib>
#include <cstring>

// Exported, so that the store to it is not optimised away.
extern "C" void* volatile g_plugin_block;
void* volatile g_plugin_block = nullptr;

extern "C" __attribute__((noinline)) void* plugin_allocate(std::size_t bytes) {
  g_plugin_block = std::malloc(bytes);
  std::memset(g_plugin_block, 1, bytes);
  return g_plugin_block;
}
