// vigil_leak_target MODE [CYCLES]: a program with a known leak (or none) in
// a known function, for the leak-test suite. Each cycle does the mode's work
// and calls vigil_cycle(). Allocating functions are noinline so that stacks
// name them (but for mode "inlined", whose are forced inline, as at -O2 in
// real code); results go through a volatile sink so nothing is optimized away.
#include <algorithm>
#include <array>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <malloc.h>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "vigil/cycle.h"

#define NOINLINE __attribute__((noinline))

namespace {

void* volatile g_sink;  // the last block only: every earlier one is unreachable

// ---- leaks -------------------------------------------------------------------

NOINLINE void leak_in_loop() { g_sink = std::malloc(192); }

char* g_log = nullptr;
std::size_t g_log_size = 0;
NOINLINE void grow_with_realloc() {  // one block, reachable, growing every cycle
  g_log = static_cast<char*>(std::realloc(g_log, g_log_size + 512));
  std::memset(g_log + g_log_size, 'x', 512);
  g_log_size += 512;
}

struct Node {
  Node* next;
  char payload[88];
};
Node* g_nodes = nullptr;
NOINLINE void calloc_node() {  // a reachable list that only grows
  auto* n = static_cast<Node*>(std::calloc(1, sizeof(Node)));
  n->next = g_nodes;
  g_nodes = n;
}

NOINLINE void aligned_leak() {
  void* p = nullptr;
  if (posix_memalign(&p, 64, 200) == 0) g_sink = p;
  g_sink = std::aligned_alloc(128, 256);
  g_sink = memalign(32, 96);
}

NOINLINE void worker_leak(int thread) { g_sink = std::malloc(64 + 16 * static_cast<std::size_t>(thread)); }

// Never destroyed, so everything in it is still reachable when the exit scan runs.
auto* const g_seen = new std::vector<std::string*>();
NOINLINE void remember_request(int cycle) {  // reachable at exit, but it grows
  g_seen->push_back(new std::string(100, static_cast<char>('a' + cycle % 26)));
}

// Two functions forced inline into a noinline caller: one return address
// for three functions. The leak-test suite looks these lines up by their
// "stack:" marks and expects each function as a frame with its line.
[[gnu::always_inline]] inline void* make_record() {
  return std::malloc(144);  // stack: make_record
}
[[gnu::always_inline]] inline void keep_record() {
  g_sink = make_record();  // stack: keep_record
}
NOINLINE void leak_through_inlined_calls() {
  keep_record();  // stack: leak_through_inlined_calls
}

NOINLINE void lose_blocks_once() {
  for (int i = 0; i < 8; ++i) g_sink = std::malloc(1000);
}

// ---- no leaks ----------------------------------------------------------------

// An LRU cache of at most 64 entries, fed with distinct keys: it fills, then evicts.
class BoundedCache {
 public:
  NOINLINE void put(const std::string& key) {
    if (map_.size() >= kCapacity) {
      map_.erase(order_.back());
      order_.pop_back();
    }
    order_.push_front(key);
    map_[key] = std::string(200, 'v');
  }

 private:
  static constexpr std::size_t kCapacity = 64;
  std::list<std::string> order_;
  std::unordered_map<std::string, std::string> map_;
};

// A fixed pool of buffers handed out and given back every cycle.
class BufferPool {
 public:
  BufferPool() {
    for (auto& b : free_) b = static_cast<char*>(std::malloc(4096));
  }
  ~BufferPool() {
    for (char* b : free_) std::free(b);
  }
  char* take() { return free_[--count_]; }
  void give(char* b) { free_[count_++] = b; }

 private:
  std::array<char*, 16> free_{};
  std::size_t count_ = 16;
};

std::vector<std::string>* g_table;  // a one-time global, built at start
NOINLINE void build_globals() {
  g_table = new std::vector<std::string>();
  for (int i = 0; i < 100; ++i) g_table->push_back(std::string(64, 'g'));
}

NOINLINE void balanced_work(int cycle) {
  std::vector<void*> blocks;
  for (int i = 0; i < 50; ++i) blocks.push_back(std::malloc(32 + static_cast<std::size_t>((i * cycle) % 500)));
  for (void* b : blocks) std::free(b);
}

int usage() {
  std::fprintf(stderr,
               "usage: vigil_leak_target MODE [CYCLES]\n"
               "modes: loop realloc calloc aligned threads reachable-growing unreachable-at-exit inlined\n"
               "       bounded-cache pool globals timer-leak crash exit-code\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string_view mode = argv[1];
  const int cycles = argc > 2 ? std::atoi(argv[2]) : 40;
  if (cycles <= 0) return usage();

  auto each_cycle = [&](auto&& work) {
    for (int c = 0; c < cycles; ++c) {
      work(c);
      vigil_cycle();
    }
  };

  if (mode == "loop") {
    each_cycle([](int) { for (int i = 0; i < 10; ++i) leak_in_loop(); });
  } else if (mode == "realloc") {
    each_cycle([](int) { grow_with_realloc(); });
  } else if (mode == "calloc") {
    each_cycle([](int) { for (int i = 0; i < 5; ++i) calloc_node(); });
  } else if (mode == "aligned") {
    each_cycle([](int) { aligned_leak(); });
  } else if (mode == "threads") {
    constexpr int kThreads = 3;
    std::barrier sync(kThreads + 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int c = 0; c < cycles; ++c) {
          for (int i = 0; i < 4; ++i) worker_leak(t);
          sync.arrive_and_wait();  // work of the cycle done
          sync.arrive_and_wait();  // snapshot taken
        }
      });
    }
    for (int c = 0; c < cycles; ++c) {
      sync.arrive_and_wait();
      vigil_cycle();
      sync.arrive_and_wait();
    }
    for (auto& t : threads) t.join();
  } else if (mode == "reachable-growing") {
    each_cycle([](int c) { remember_request(c); });
  } else if (mode == "inlined") {
    each_cycle([](int) { leak_through_inlined_calls(); });
  } else if (mode == "unreachable-at-exit") {
    lose_blocks_once();
    each_cycle([](int c) { balanced_work(c); });
  } else if (mode == "bounded-cache") {
    BoundedCache cache;
    each_cycle([&](int c) {
      for (int i = 0; i < 20; ++i) cache.put("key-" + std::to_string(c * 20 + i) + "-padding-beyond-sso");
    });
  } else if (mode == "pool") {
    BufferPool pool;
    each_cycle([&](int c) {
      char* a = pool.take();
      char* b = pool.take();
      std::memset(a, c, 4096);
      std::memcpy(b, a, 4096);
      pool.give(b);
      pool.give(a);
    });
  } else if (mode == "globals") {
    build_globals();
    each_cycle([](int c) { balanced_work(c); });
  } else if (mode == "timer-leak") {  // never calls vigil_cycle(): timer snapshots
    for (int c = 0; c < cycles; ++c) {
      leak_in_loop();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } else if (mode == "crash") {
    each_cycle([](int c) {
      leak_in_loop();
      if (c == 10) std::abort();
    });
  } else if (mode == "exit-code") {
    each_cycle([](int) { balanced_work(1); });
    return 3;
  } else {
    return usage();
  }
  return 0;
}
