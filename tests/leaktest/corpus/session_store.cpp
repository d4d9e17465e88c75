// Leaky: a session store whose sessions are removed only on logout, and most
// clients never log out. Each login adds a node (token and user strings on the
// heap) to an unordered_map, which also rehashes into a bucket array twice
// the size from time to time.
#include <string>
#include <unordered_map>

#include "service_loop.hpp"

namespace {

struct Session {
  std::string user;
  std::uint64_t created = 0;
  std::uint32_t requests = 0;
};

class SessionStore {
 public:
  std::string open_session(std::uint64_t user, std::uint64_t now, corpus::Random& random) {
    char token[33];
    std::snprintf(token, sizeof token, "%016llx%016llx", static_cast<unsigned long long>(random.next()),
                  static_cast<unsigned long long>(random.next()));
    sessions_.emplace(token, Session{"user-account-" + std::to_string(user), now, 0});
    return token;
  }
  void touch(const std::string& token) {
    if (auto it = sessions_.find(token); it != sessions_.end()) ++it->second.requests;
  }
  void close_session(const std::string& token) { sessions_.erase(token); }

 private:
  std::unordered_map<std::string, Session> sessions_;
};

SessionStore g_sessions;
corpus::Random g_random(2);

void handle(std::uint64_t id) {
  if (id % 3 != 0) return;  // two requests in three reuse a session the client already has
  const std::string token = g_sessions.open_session(g_random.below(1'000'000), id, g_random);
  g_sessions.touch(token);
  if (g_random.below(10) == 0) g_sessions.close_session(token);  // the few that log out
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 100}, handle); }
