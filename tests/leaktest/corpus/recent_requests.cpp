// Leaky: a debug page's "recent requests" list that is never trimmed. Every
// request appends a short line ("GET /u/123"), short enough for std::string's
// inline buffer, so the only heap block is the vector's own buffer: it
// doubles again and again. The vector is a global, destroyed at exit, so
// nothing is unreachable then: only the growth over cycles shows the leak.
#include <string>
#include <string_view>
#include <vector>

#include "service_loop.hpp"

namespace {

std::vector<std::string> g_recent_requests;

void remember_request(std::string_view method, std::uint64_t user) {
  std::string line(method);
  line += " /u/";
  line += std::to_string(user);
  g_recent_requests.push_back(std::move(line));
}

std::string render_user(std::uint64_t user) {
  std::string body = R"({"user":)";
  body += std::to_string(user);
  body += R"(,"name":"user number )" + std::to_string(user) + "\"}";
  return body;
}

corpus::Random g_random(1);

void handle(std::uint64_t id) {
  const std::uint64_t user = g_random.below(id / 2 + 100);
  const std::string_view method = id % 5 == 0 ? "POST" : "GET";
  remember_request(method, user);
  const std::string body = render_user(user);
  if (body.empty()) std::abort();
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 100}, handle); }
