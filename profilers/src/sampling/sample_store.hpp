#pragma once
// Where a sampling profiler's signal handler puts its stacks: a pool of
// fixed-size chunks mapped once, handed out lock-free. Each thread writes
// into a chunk of its own (one writer, no lock, no heap); when the chunk is
// full it takes the next free one; when none is left, the sample is dropped
// and counted. The reader goes over every chunk after the writers stopped
// (CpuSampler::stop waits for handlers in flight).
//
// A sample in a chunk: a word with its frame count (low 32 bits) and its
// weight (high 32 bits: the sampling periods it stands for), then its
// frames (innermost first).

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace vigil::sampling {

class SampleStore {
 public:
  static constexpr std::size_t kChunkWords = 16 * 1024;  // 128 KiB: ~480 stacks of 32 frames

  // Maps `chunks` chunks (address space only, NORESERVE; kept for the
  // process's life: a late signal may still write); false when mmap fails.
  bool init(std::size_t chunks);
  bool ready() const { return chunks_ != nullptr; }

  // Appends one stack for the calling thread; false (and counted) when the
  // pool is exhausted. Async-signal-safe.
  bool append(const std::uintptr_t* frames, unsigned count, std::uint32_t weight = 1);

  // Calls f(frames, count, weight) for every stored sample. Only while no thread appends.
  template <typename F>
  void for_each(F&& f) const {
    const std::size_t used = claimed();
    for (std::size_t c = 0; c < used; ++c) {
      const Chunk& chunk = chunks_[c];
      const std::size_t end = chunk.used.load(std::memory_order_acquire);
      for (std::size_t i = 0; i < end;) {
        const auto n = static_cast<unsigned>(chunk.words[i] & 0xffffffffu);
        f(&chunk.words[i + 1], n, static_cast<std::uint64_t>(chunk.words[i] >> 32));
        i += 1 + n;
      }
    }
  }

  std::uint64_t samples() const { return samples_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Threads that stored at least one sample since the last reset.
  std::uint64_t threads() const { return threads_.load(std::memory_order_relaxed); }

  // Empties the store for a new run. Only while no thread appends.
  void reset();

 private:
  struct Chunk {
    std::atomic<std::size_t> used;  // words written; release-stored by the one writer
    std::uintptr_t words[kChunkWords];
  };
  std::size_t claimed() const {
    const std::size_t n = next_.load(std::memory_order_acquire);
    return n < count_ ? n : count_;
  }
  Chunk* claim();

  Chunk* chunks_ = nullptr;
  std::size_t count_ = 0;
  std::atomic<std::size_t> next_{0};
  // A number no other store or run had (init, reset): a thread's chunk
  // from an earlier run, or from another store, is not reused.
  std::atomic<std::uint32_t> generation_{0};
  std::atomic<std::uint64_t> samples_{0}, dropped_{0}, threads_{0};
};

}  // namespace vigil::sampling
