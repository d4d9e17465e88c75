// Clean: an access log that batches formatted lines in memory and writes them
// out every 1000 lines, releasing the batch: live memory rises and falls
// back, a sawtooth whose teeth do not line up with the cycles.
#include <cstdio>
#include <string>
#include <vector>

#include "service_loop.hpp"

namespace {

class AccessLog {
 public:
  explicit AccessLog(std::FILE* out) : out_(out) {}
  void record(std::uint64_t id, int status, std::uint64_t micros, const std::string& path) {
    batch_.push_back(std::to_string(id) + " " + std::to_string(status) + " " + std::to_string(micros) +
                     "us \"GET " + path + " HTTP/1.1\"");
    if (batch_.size() >= kBatch) flush();
  }
  void flush() {
    for (const std::string& line : batch_) std::fprintf(out_, "%s\n", line.c_str());
    std::vector<std::string>().swap(batch_);  // give the batch's memory back
  }

 private:
  static constexpr std::size_t kBatch = 1000;
  std::FILE* out_;
  std::vector<std::string> batch_;
};

corpus::Random g_random(10);

void handle(AccessLog& log, std::uint64_t id) {
  const std::string path = "/api/v2/items/" + std::to_string(g_random.below(100000));
  log.record(id, g_random.below(20) == 0 ? 404 : 200, 50 + g_random.below(5000), path);
}

}  // namespace

int main(int argc, char** argv) {
  std::FILE* sink = std::fopen("/dev/null", "w");
  if (sink == nullptr) return 1;
  AccessLog log(sink);
  const int rc = corpus::serve(argc, argv, {60, 150}, [&](std::uint64_t id) { handle(log, id); });
  log.flush();
  std::fclose(sink);
  return rc;
}
