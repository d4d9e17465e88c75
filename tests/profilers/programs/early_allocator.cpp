// A library that allocates before the preload's tracker starts: the
// program depends on it, so its constructor runs before the constructor of
// a preloaded library that does not. It also starts a thread that keeps
// allocating while the tracker starts up. Only when the program runs in
// mode "early" (glibc hands constructors the program's arguments).
#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace {

std::atomic<bool> g_stop{false};
pthread_t g_thread;

void* churn(void*) {
  while (!g_stop.load(std::memory_order_relaxed)) std::free(std::malloc(32));
  return nullptr;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void* early_blocks[8];

__attribute__((visibility("default"))) void early_stop_thread() {
  g_stop = true;
  pthread_join(g_thread, nullptr);
}

__attribute__((constructor, noinline)) void allocate_before_the_tracker(int argc, char** argv, char**) {
  if (argc < 2 || std::strcmp(argv[1], "early") != 0) return;
  for (int i = 0; i < 8; ++i) early_blocks[i] = std::malloc(100 + static_cast<std::size_t>(i));
  early_blocks[0] = std::realloc(early_blocks[0], 1000);
  pthread_create(&g_thread, nullptr, churn, nullptr);
}

}
