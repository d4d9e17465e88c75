// Clean: a cache of rendered pages with room for 1000 of the 4000 pages of a
// site, most traffic on a few hundred popular ones. It fills over the first
// few dozen cycles (nodes, bodies and a bucket array rehashed ever larger),
// then evicts a page for each one it adds.
#include <list>
#include <string>
#include <unordered_map>

#include "service_loop.hpp"

namespace {

class PageCache {
 public:
  explicit PageCache(std::size_t capacity) : capacity_(capacity) {}

  const std::string& page(std::uint64_t page_id) {
    if (auto it = pages_.find(page_id); it != pages_.end()) return it->second;
    if (pages_.size() >= capacity_) {
      pages_.erase(insertion_order_.front());
      insertion_order_.pop_front();
    }
    insertion_order_.push_back(page_id);
    return pages_.emplace(page_id, render(page_id)).first->second;
  }

 private:
  static std::string render(std::uint64_t page_id) {
    std::string html = "<html><body><h1>Page " + std::to_string(page_id) + "</h1>";
    html.append(300 + page_id % 1700, '.');
    return html + "</body></html>";
  }

  std::size_t capacity_;
  std::list<std::uint64_t> insertion_order_;
  std::unordered_map<std::uint64_t, std::string> pages_;
};

PageCache g_cache(1000);
corpus::Random g_random(9);

void handle(std::uint64_t) {
  // Four requests in five go to the 400 popular pages.
  const std::uint64_t page = g_random.below(5) != 0 ? g_random.below(400) : 400 + g_random.below(3600);
  if (g_cache.page(page).empty()) std::abort();
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 100}, handle); }
