#pragma once
// The router: one radix tree per method with static segments, `:param`
// (one whole segment) and `*catchall` (the rest of the path, last only).
//
// Static and parameter children may share a prefix: `/users/new` beside
// `/users/:id`, `/tokens` beside `/tokens/:token`. Lookups try the static
// child first, then the parameter, then the catch-all, backtracking when a
// branch dead-ends, so `/users/newer` still matches `/users/:id`.
// Refused at add(): two different parameter names at one position, a
// duplicate route, a catch-all anywhere but at the end, and malformed patterns.
//
// match() allocates nothing. The router is not modified after set-up, so
// any number of threads may call match() concurrently once add() is done.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/method.hpp"
#include "vigil/framework/params.hpp"

namespace vigil::framework {

using RouteId = std::uint32_t;

struct Route {
  RouteId id = 0;
  Method method = Method::GET;
  std::string pattern;
  std::vector<std::string_view> param_names;  // in path order; views into `pattern`
};

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
  // Every route, in registration order (pointers stay valid for the router's life).
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

  struct Node;  // the build tree, used by add()

 private:
  // Routes without parameters are found first by one hash probe on the
  // whole path (the tree walk would reach them first anyway: static text
  // wins at every level). Everything else walks the lookup tree: the build
  // tree compiled after every add() into one array of small nodes (static
  // children contiguous) and one byte pool, so a lookup walks
  // cache-friendly memory without pointer chasing.
  static constexpr std::uint32_t kNoNode = 0xffffffffu;
  static constexpr std::uint32_t kInlineChildren = 16;
  struct FlatNode {
    std::uint64_t head = 0;         // the text's first (up to 8) bytes, zero-padded
    char first_bytes[kInlineChildren] = {};  // first byte of each static child, when they fit
    std::uint32_t text = 0;         // pool offset: static prefix, or the parameter's name
    std::uint16_t text_len = 0;
    std::uint16_t child_count = 0;
    std::uint32_t indices = 0;      // pool offset: first byte of each static child
    std::uint32_t first_child = kNoNode;
    std::uint32_t param = kNoNode;
    std::uint32_t catch_all = kNoNode;
    const Route* route = nullptr;
  };
  struct StaticSlot {
    const Route* route = nullptr;  // nullptr: empty slot
    std::uint32_t text = 0;        // pool offset of the path
    std::uint16_t length = 0;
    Method method = Method::GET;
  };
  void compile();
  void compile_node(std::uint32_t slot, const Node& node);
  void compile_statics();
  static std::uint32_t find_child(const FlatNode& n, char c, const char* pool);
  const Route* match_static(Method method, const char* p, std::size_t length) const;
  // Paths of at least 8 bytes, or padded in front to 8.
  const Route* match_tree(Method method, const char* p, const char* end, Params& params) const;
  // Static, on plain pointers: writes to `params` cannot alias the tables,
  // so their addresses stay in registers.
  static const Route* match_from(const FlatNode* nodes, const char* pool, std::uint32_t node,
                                 const char* p, const char* end, Params& params);

  std::vector<std::unique_ptr<Route>> routes_;
  std::unique_ptr<Node> roots_[kMethodCount];
  std::vector<FlatNode> flat_;
  std::string pool_;
  std::uint32_t flat_roots_[kMethodCount];
  std::vector<StaticSlot> statics_;  // open addressing, linear probing; size a power of two
  unsigned static_shift_ = 63;       // slot = hash >> static_shift_
};

std::string describe(const Route& r);  // "GET /users/:id"

}  // namespace vigil::framework
