#pragma once
// The routes of one method as a tree of path segments: add() walks it to
// find clashes and grows it, and RouteIndex compiles it into lookup tables.
// A parameter or catch-all always fills whole segments, so a node has static
// children by segment text, at most one `:param` and one `*catchall` child:
// routes that name a parameter differently at one position share its node,
// and each keeps its own names (Route::param_names).

#include <map>
#include <memory>
#include <string_view>

#include "vigil/framework/routing/router.hpp"

namespace vigil::framework {

struct RouteTree {
  struct Node {
    // Keys view the patterns of the routes that made them; ordered, so the
    // compiled tables do not depend on a hash seed.
    std::map<std::string_view, std::unique_ptr<Node>> statics;
    std::unique_ptr<Node> param;
    std::unique_ptr<Node> catch_all;
    std::string_view name;         // of a parameter or catch-all node, as the first route through it has it
    const Route* route = nullptr;  // the route whose last segment this is
  };
  Node root;  // before the first segment
};

// Is a pattern's segment a `:param` or a `*catchall`?
inline bool is_wildcard(std::string_view segment) {
  return !segment.empty() && (segment[0] == ':' || segment[0] == '*');
}

// Calls fn(segment) for each segment of a pattern after its leading '/'
// ("/a//b/" has "a", "", "b", ""), until fn returns false.
template <typename Fn>
void for_each_segment(std::string_view pattern, Fn&& fn) {
  std::string_view rest = pattern.substr(1);
  for (;;) {
    const auto slash = rest.find('/');
    if (!fn(rest.substr(0, slash)) || slash == std::string_view::npos) return;
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace vigil::framework
