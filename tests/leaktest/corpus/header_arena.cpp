// Leaky: a connection parses request headers into a chunked arena that is
// meant to be reset after each request; the keep-alive path forgets to, so
// on a connection that never closes the arena takes a new 32 KiB chunk every
// few cycles.
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "service_loop.hpp"

namespace {

class Arena {
 public:
  void* allocate(std::size_t size) {
    size = (size + 15) & ~std::size_t{15};
    if (chunks_.empty() || used_ + size > kChunkSize) add_chunk();
    void* p = chunks_.back().get() + used_;
    used_ += size;
    return p;
  }
  void reset() {
    chunks_.resize(chunks_.empty() ? 0 : 1);  // keep one chunk for the next request
    used_ = 0;
  }

 private:
  static constexpr std::size_t kChunkSize = 32 * 1024;
  void add_chunk() {
    chunks_.push_back(std::make_unique<char[]>(kChunkSize));
    used_ = 0;
  }
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t used_ = 0;
};

struct Header {
  std::string_view name, value;
};

class Connection {
 public:
  // Copies each header into the arena: the parser's views must outlive the read buffer.
  std::size_t parse_headers(const std::vector<Header>& raw) {
    std::size_t bytes = 0;
    for (const Header& h : raw) {
      char* copy = static_cast<char*>(arena_.allocate(h.name.size() + h.value.size() + 2));
      std::memcpy(copy, h.name.data(), h.name.size());
      std::memcpy(copy + h.name.size() + 1, h.value.data(), h.value.size());
      bytes += h.name.size() + h.value.size();
    }
    return bytes;
  }
  void finish_request(bool keep_alive) {
    if (!keep_alive) arena_.reset();  // bug: a kept-alive connection is never reset
  }

 private:
  Arena arena_;
};

Connection g_connection;
corpus::Random g_random(4);

void handle(std::uint64_t id) {
  const std::string cookie(g_random.below(120), 'c');
  const std::string trace = std::to_string(id) + "-" + std::to_string(g_random.next());
  const std::vector<Header> headers = {
      {"Host", "api.example.com"}, {"User-Agent", "curl/8.4.0"}, {"Accept", "*/*"},
      {"Cookie", cookie},          {"X-Trace-Id", trace},
  };
  g_connection.parse_headers(headers);
  g_connection.finish_request(true);
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 25}, handle); }
