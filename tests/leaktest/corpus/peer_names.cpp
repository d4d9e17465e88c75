// Clean: a table of 64 connection slots, each with a C string naming its
// current peer ("client-<id>@10.0.<a>.<b>"), replaced with free()/strdup()
// when a new client takes the slot. Client ids grow, so the names, and the
// blocks holding them, get a byte longer now and then; there are never more
// than 64 of them.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "service_loop.hpp"

namespace {

struct Slot {
  char* peer = nullptr;
  std::uint64_t requests = 0;
};

class ConnectionTable {
 public:
  ~ConnectionTable() {
    for (Slot& s : slots_) std::free(s.peer);
  }
  void accept(std::size_t slot, std::uint64_t client, std::uint64_t address) {
    char name[64];
    std::snprintf(name, sizeof name, "client-%llu@10.0.%llu.%llu", static_cast<unsigned long long>(client),
                  static_cast<unsigned long long>(address >> 8 & 255),
                  static_cast<unsigned long long>(address & 255));
    std::free(slots_[slot].peer);
    slots_[slot].peer = strdup(name);
    slots_[slot].requests = 0;
  }
  void serve(std::size_t slot) { ++slots_[slot].requests; }

 private:
  std::array<Slot, 64> slots_{};
};

ConnectionTable g_connections;
corpus::Random g_random(13);
std::uint64_t g_clients = 0;

void handle(std::uint64_t) {
  const std::size_t slot = g_random.below(64);
  // One request in eight comes from a new client taking over the slot.
  if (g_random.below(8) == 0) g_connections.accept(slot, ++g_clients, g_random.below(65536));
  g_connections.serve(slot);
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 100}, handle); }
