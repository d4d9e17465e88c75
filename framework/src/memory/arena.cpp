#include "vigil/framework/memory/arena.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace vigil::framework {

// Block header; the payload follows it.
struct Arena::Block {
  Block* next;
  std::size_t payload;
  char* begin() { return reinterpret_cast<char*>(this + 1); }
  char* end() { return begin() + payload; }
};

Arena::Arena(ArenaOptions options) : options_(options), next_block_size_(options.block_size) {
  if (options_.block_size < 64) throw std::invalid_argument("Arena: block size below 64 bytes");
  if (options_.max_block_size < options_.block_size) options_.max_block_size = options_.block_size;
}

Arena::~Arena() {
  Block* b = first_;
  while (b != nullptr) {
    Block* next = b->next;
    std::free(b);
    b = next;
  }
}

Arena::Block* Arena::new_block(std::size_t min_payload) {
  const std::size_t payload = min_payload > next_block_size_ ? min_payload : next_block_size_;
  next_block_size_ = std::min(2 * next_block_size_, options_.max_block_size);
  void* raw = std::malloc(sizeof(Block) + payload);
  if (raw == nullptr) throw std::bad_alloc();
  auto* block = static_cast<Block*>(raw);
  block->next = nullptr;
  block->payload = payload;
  reserved_ += payload;
  ++block_count_;
  return block;
}

void* Arena::allocate_slow(std::size_t size, std::size_t align) {
  if (align == 0 || (align & (align - 1)) != 0) throw std::invalid_argument("Arena: alignment not a power of two");
  if (size == 0) size = 1;
  for (;;) {
    void* p;
    if (bump(size, align, p)) return p;
    // Move to the next retained block that can hold it, or chain a new one.
    if (current_ != nullptr) used_before_current_ += static_cast<std::size_t>(cursor_ - current_->begin());
    Block* next = current_ != nullptr ? current_->next : first_;
    while (next != nullptr && next->payload < size + align) next = next->next;
    if (next == nullptr) {
      next = new_block(size + align);
      if (current_ == nullptr) {
        next->next = first_;
        first_ = next;
      } else {
        next->next = current_->next;
        current_->next = next;
      }
    }
    current_ = next;
    cursor_ = next->begin();
    limit_ = next->end();
  }
}

std::string_view Arena::copy(std::string_view text) {
  char* p = static_cast<char*>(allocate(text.size(), 1));
  if (!text.empty()) std::memcpy(p, text.data(), text.size());
  return {p, text.size()};
}

void Arena::reset() {
  // Keep blocks from the front up to the retained bound; give back the rest.
  std::size_t kept = 0;
  Block** link = &first_;
  while (*link != nullptr) {
    Block* b = *link;
    if (kept + b->payload <= options_.max_retained_bytes) {
      kept += b->payload;
      link = &b->next;
    } else {
      *link = b->next;
      reserved_ -= b->payload;
      --block_count_;
      std::free(b);
    }
  }
  // Bump from the first block again: the next request's first allocation
  // takes the fast path.
  current_ = first_;
  cursor_ = first_ != nullptr ? first_->begin() : nullptr;
  limit_ = first_ != nullptr ? first_->end() : nullptr;
  used_before_current_ = 0;
}

void Arena::end_request() {
  if (!options_.reset_per_request) return;  // the arena-no-reset bug: the request's memory stays
  reset();
}

std::size_t Arena::bytes_used() const {
  if (current_ == nullptr) return used_before_current_;
  return used_before_current_ + static_cast<std::size_t>(cursor_ - current_->begin());
}

std::size_t Arena::bytes_reserved() const { return reserved_; }

}  // namespace vigil::framework
