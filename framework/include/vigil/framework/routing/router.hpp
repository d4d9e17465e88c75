#pragma once
// The router: routes with static segments, `:param` (one whole, non-empty
// segment) and `*catchall` (the rest of the path, last only), one set per
// method.
//
// Static and parameter routes may share a prefix: `/users/new` beside
// `/users/:id`, `/tokens` beside `/tokens/:token`. Where several routes
// match a path, the first segment where their patterns differ decides:
// static text wins over a parameter, which wins over a catch-all, so
// `/users/newer` still matches `/users/:id`. So two routes can tie only
// when they match the same paths: a duplicate, or patterns that differ in
// parameter names alone (`/users/:id` and `/users/:name`). Those are
// refused at add(), naming both routes, as are a catch-all anywhere but at
// the end, more than 63 segments, and malformed patterns. Names may differ
// at one position otherwise (`/users/:id` beside `/users/:user_id/keys`):
// each route's parameters carry its own names.
//
// match() allocates nothing (but the first one after an add() compiles the
// lookup tables). add() may not run beside match(); once add() is done, any
// number of threads may call match() concurrently.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/routing/method.hpp"
#include "vigil/framework/text/field.hpp"

namespace vigil::framework {

// Route parameters of one match: names view the route's pattern, values the
// matched path. Filled by Router::match and RouteCache::lookup without heap.
using Param = Field;
using Params = FieldViews;

using RouteId = std::uint32_t;

struct Route {
  RouteId id = 0;
  Method method = Method::GET;
  std::string pattern;
  std::vector<std::string_view> param_names;  // in path order; views into `pattern`
};

class RouteIndex;
struct RouteTree;

struct RouteError {
  enum class Kind { BadPattern, Duplicate, Conflict };
  Kind kind = Kind::BadPattern;
  std::string message;             // one line, names both routes for Duplicate/Conflict
  const Route* existing = nullptr;  // the route it clashes with, when there is one
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers `pattern` for `method`; on refusal, nothing is changed.
  std::optional<RouteError> add(Method method, std::string_view pattern, RouteId id);

  // The route matching `path` (no query string), with its parameters in
  // `params` (values view `path`); nullptr when none matches.
  const Route* match(Method method, std::string_view path, Params& params) const;

  std::size_t size() const { return routes_.size(); }
  // Bytes the lookup tables of every method take (compiling them first, as
  // a match would): what lookups read, not the tree add() keeps.
  std::size_t lookup_table_bytes() const;
  // Every route, in registration order (pointers stay valid for the router's life).
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  const RouteIndex* compile_index(std::size_t method) const;

  std::vector<std::unique_ptr<Route>> routes_;
  // Per method: the routes as a tree of segments (add() finds clashes in
  // it) and the lookup tables compiled from it by the first match() after
  // an add(), so registering n routes costs O(n), not n compilations.
  std::unique_ptr<RouteTree> trees_[kMethodCount];
  mutable std::unique_ptr<RouteIndex> indexes_[kMethodCount];
  mutable std::atomic<const RouteIndex*> published_[kMethodCount] = {};
  mutable std::mutex compile_lock_;  // the first matches may race to compile
};

std::string describe(const Route& r);  // "GET /users/:id"

}  // namespace vigil::framework
