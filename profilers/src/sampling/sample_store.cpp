#include "sample_store.hpp"

#include "mapped_memory.hpp"

namespace vigil::sampling {
namespace {

// The calling thread's chunk, of which store and run. initial-exec TLS
// (no allocation on first use, see the preload's CMakeLists.txt).
struct Cursor {
  const SampleStore* store;
  std::uint32_t generation;
  void* chunk;
};
constinit thread_local Cursor t_cursor{};

std::atomic<std::uint32_t> g_last_generation{0};

}  // namespace

bool SampleStore::init(std::size_t chunks) {
  if (chunks_) return true;
  chunks_ = static_cast<Chunk*>(preload::map_memory(sizeof(Chunk) * chunks));
  if (!chunks_) return false;
  count_ = chunks;
  generation_.store(g_last_generation.fetch_add(1) + 1, std::memory_order_release);
  return true;
}

SampleStore::Chunk* SampleStore::claim() {
  const std::size_t index = next_.fetch_add(1, std::memory_order_acq_rel);
  return index < count_ ? &chunks_[index] : nullptr;
}

bool SampleStore::append(const std::uintptr_t* frames, unsigned count, std::uint32_t weight) {
  if (!chunks_ || count == 0 || count + 1 > kChunkWords) return false;
  const std::uint32_t generation = generation_.load(std::memory_order_acquire);
  Cursor& cursor = t_cursor;
  auto* chunk = static_cast<Chunk*>(cursor.chunk);
  if (cursor.store != this || cursor.generation != generation) {
    threads_.fetch_add(1, std::memory_order_relaxed);
    cursor = Cursor{this, generation, nullptr};
    chunk = nullptr;
  }
  std::size_t used = chunk ? chunk->used.load(std::memory_order_relaxed) : 0;
  if (!chunk || used + 1 + count > kChunkWords) {
    chunk = claim();
    cursor.chunk = chunk;
    if (!chunk) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    used = 0;
  }
  chunk->words[used] = count | static_cast<std::uintptr_t>(weight) << 32;
  for (unsigned i = 0; i < count; ++i) chunk->words[used + 1 + i] = frames[i];
  chunk->used.store(used + 1 + count, std::memory_order_release);
  samples_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void SampleStore::reset() {
  const std::size_t used = claimed();
  for (std::size_t c = 0; c < used; ++c) chunks_[c].used.store(0, std::memory_order_relaxed);
  next_.store(0, std::memory_order_relaxed);
  samples_.store(0, std::memory_order_relaxed);
  dropped_.store(0, std::memory_order_relaxed);
  threads_.store(0, std::memory_order_relaxed);
  generation_.store(g_last_generation.fetch_add(1) + 1, std::memory_order_release);
}

}  // namespace vigil::sampling
