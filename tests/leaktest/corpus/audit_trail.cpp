// Leaky: an audit trail kept in one C buffer, grown with realloc() by the
// size of each entry. It was meant to be shipped and truncated by a job that
// was never enabled, so the one block keeps being reallocated larger.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "service_loop.hpp"

namespace {

class AuditTrail {
 public:
  ~AuditTrail() { std::free(data_); }
  void append(const char* entry, std::size_t length) {
    char* grown = static_cast<char*>(std::realloc(data_, size_ + length));
    if (grown == nullptr) std::abort();
    data_ = grown;
    std::memcpy(data_ + size_, entry, length);
    size_ += length;
  }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

AuditTrail g_audit;
corpus::Random g_random(5);

void handle(std::uint64_t id) {
  // Only writes are audited: about one request in four.
  if (g_random.below(4) != 0) return;
  char entry[96];
  const int n = std::snprintf(entry, sizeof entry, "%llu PUT /accounts/%llu by user %llu\n",
                              static_cast<unsigned long long>(id),
                              static_cast<unsigned long long>(g_random.below(100000)),
                              static_cast<unsigned long long>(g_random.below(5000)));
  g_audit.append(entry, static_cast<std::size_t>(n));
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 100}, handle); }
