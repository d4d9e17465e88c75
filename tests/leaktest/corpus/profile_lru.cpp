// Clean: a bounded LRU cache of user profiles, keyed by "profile:user:<id>".
// Users are new all the time, so as ids grow the keys get a character longer
// (at 1000, 10000, ...) while the cache keeps the same number of entries:
// its bytes drift up a little, its blocks do not grow.
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

#include "service_loop.hpp"

namespace {

struct Profile {
  std::string display_name;
  std::uint32_t followers = 0;
};

class ProfileCache {
 public:
  explicit ProfileCache(std::size_t capacity) : capacity_(capacity) {}

  const Profile& get(std::uint64_t user) {
    std::string key = "profile:user:" + std::to_string(user);
    if (auto it = index_.find(key); it != index_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      return it->second->second;
    }
    if (index_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    order_.emplace_front(key, load_profile(user));
    index_.emplace(std::move(key), order_.begin());
    return order_.front().second;
  }

 private:
  static Profile load_profile(std::uint64_t user) {
    return Profile{"User " + std::to_string(user % 1000), static_cast<std::uint32_t>(user % 977)};
  }

  std::size_t capacity_;
  std::list<std::pair<std::string, Profile>> order_;
  std::unordered_map<std::string, std::list<std::pair<std::string, Profile>>::iterator> index_;
};

ProfileCache g_profiles(256);
corpus::Random g_random(8);

void handle(std::uint64_t id) {
  // Users who signed up recently are the active ones: ids near the newest.
  const std::uint64_t newest = 100 + id / 4;
  const std::uint64_t user = newest - g_random.below(std::min<std::uint64_t>(newest, 400));
  if (g_profiles.get(user).display_name.empty()) std::abort();
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 100}, handle); }
