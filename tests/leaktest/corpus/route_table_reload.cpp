// Clean: the service starts with a small built-in route table and, once the
// configuration service answers (here: after the first 900 requests), loads
// the full table in its place. Live memory steps up once, early in the run,
// and stays there.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "service_loop.hpp"

namespace {

struct Route {
  std::string pattern;
  std::string backend;
};

class RouteTable {
 public:
  explicit RouteTable(std::size_t routes) {
    for (std::size_t i = 0; i < routes; ++i) {
      Route r{"/service-" + std::to_string(i / 20) + "/resource-" + std::to_string(i) + "/:id",
              "http://backend-" + std::to_string(i % 7) + ".internal:8080"};
      by_prefix_.emplace("/service-" + std::to_string(i / 20) + "/resource-" + std::to_string(i), routes_.size());
      routes_.push_back(std::move(r));
    }
  }
  const Route* match(const std::string& prefix) const {
    const auto it = by_prefix_.find(prefix);
    return it == by_prefix_.end() ? nullptr : &routes_[it->second];
  }
  std::size_t size() const { return routes_.size(); }

 private:
  std::vector<Route> routes_;
  std::unordered_map<std::string, std::size_t> by_prefix_;
};

std::unique_ptr<RouteTable> g_routes = std::make_unique<RouteTable>(20);
corpus::Random g_random(11);

void reload_routes() { g_routes = std::make_unique<RouteTable>(600); }

void handle(std::uint64_t id) {
  if (id == 900) reload_routes();
  const std::uint64_t r = g_random.below(g_routes->size());
  const std::string prefix = "/service-" + std::to_string(r / 20) + "/resource-" + std::to_string(r);
  if (g_routes->match(prefix) == nullptr) std::abort();
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 100}, handle); }
