// Leaky: a metrics registry with one counter per label set, and a handler that
// puts the raw request path, id included, into the label: every new id makes
// a new counter (a map node and its key on the heap) that is never dropped.
#include <map>
#include <string>

#include "service_loop.hpp"

namespace {

struct Counter {
  std::uint64_t value = 0;
};

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& labels) {
    return counters_[name + "{" + labels + "}"];
  }

 private:
  std::map<std::string, Counter> counters_;
};

Registry g_metrics;
corpus::Random g_random(6);

void handle(std::uint64_t id) {
  // Most requests hit a handful of static paths; orders carry their id.
  std::string path = "/health";
  if (g_random.below(3) == 0) path = "/orders/" + std::to_string(id);
  else if (g_random.below(2) == 0) path = "/catalog";
  ++g_metrics.counter("http_requests_total", "path=\"" + path + "\"").value;
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 60}, handle); }
