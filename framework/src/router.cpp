#include "vigil/framework/router.hpp"

#include "route_index.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace vigil::framework {

// A node of the build tree, a radix tree that add() walks to find clashes
// (lookups use RouteIndex). Static children are found by their first byte
// through `indices`; a node has at most one `:param` and one `*catchall` child.
struct Router::Node {
  std::string prefix;  // static text; empty for parameter and catch-all nodes
  std::string indices;  // indices[i] == children[i]->prefix[0]
  std::vector<std::unique_ptr<Node>> children;
  std::unique_ptr<Node> param;
  std::unique_ptr<Node> catch_all;
  std::string_view name;        // parameter or catch-all name
  const Route* owner = nullptr;  // first route through this parameter/catch-all node
  const Route* route = nullptr;  // route ending here

  const Node* static_child(char c) const {
    // A short inline scan beats a memchr call for the few children a node has.
    const char* idx = indices.data();
    for (std::size_t i = 0, n = indices.size(); i < n; ++i) {
      if (idx[i] == c) return children[i].get();
    }
    return nullptr;
  }
  Node* static_child(char c) {
    return const_cast<Node*>(static_cast<const Node*>(this)->static_child(c));
  }
};

namespace {

using Node = Router::Node;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Length of the static text at the start of `rest` (up to ':' or '*').
std::size_t literal_length(std::string_view rest) {
  const auto pos = rest.find_first_of(":*");
  return pos == std::string_view::npos ? rest.size() : pos;
}

// The name after ':' or '*' at rest[0].
std::string_view wildcard_name(std::string_view rest) {
  const auto slash = rest.find('/');
  return rest.substr(1, (slash == std::string_view::npos ? rest.size() : slash) - 1);
}

std::optional<std::string> validate_pattern(std::string_view p) {
  if (p.empty() || p[0] != '/') return std::string("a pattern must start with '/'");
  if (p.size() > 0xffff) return std::string("a pattern may be at most 65535 bytes");  // 16-bit lengths
  if (static_cast<std::size_t>(std::count(p.begin(), p.end(), '/')) > RouteIndex::kMaxSegments) {
    return fmt::format("a pattern may have at most {} segments", RouteIndex::kMaxSegments);
  }
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == ' ' || c == '\t' || c == '?' || c == '#') {
      return fmt::format("character '{}' is not allowed in a pattern", c);
    }
    if (c != ':' && c != '*') continue;
    if (p[i - 1] != '/') return fmt::format("'{}' must start a path segment", c);
    const auto name = wildcard_name(p.substr(i));
    if (name.empty()) return fmt::format("'{}' needs a name", c);
    if (!std::all_of(name.begin(), name.end(), is_name_char)) {
      return fmt::format("bad parameter name '{}' (letters, digits, '_')", name);
    }
    if (c == '*' && i + 1 + name.size() != p.size()) {
      return fmt::format("catch-all '*{}' must be at the end of the pattern", name);
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return fmt::format("parameter name '{}' used twice", name);
    }
    names.push_back(name);
    i += name.size();
  }
  if (names.size() > Params::kCapacity) {
    return fmt::format("more than {} parameters", Params::kCapacity);
  }
  return std::nullopt;
}

std::size_t common_prefix(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

RouteError clash(RouteError::Kind kind, const Route& existing, Method method,
                 std::string_view pattern, std::string_view why) {
  RouteError e;
  e.kind = kind;
  e.existing = &existing;
  e.message = fmt::format("{} {} {} {}{}", to_string(method), pattern,
                          kind == RouteError::Kind::Duplicate ? "duplicates" : "conflicts with",
                          describe(existing), why);
  return e;
}

// Walks the tree along `pattern` without changing it, and reports the first
// clash with an existing route.
std::optional<RouteError> check(const Node* n, Method method, std::string_view pattern) {
  std::string_view rest = pattern;
  while (n != nullptr) {
    if (rest.empty()) {
      if (n->route) return clash(RouteError::Kind::Duplicate, *n->route, method, pattern, "");
      return std::nullopt;
    }
    if (rest[0] == ':' || rest[0] == '*') {
      const auto name = wildcard_name(rest);
      const Node* w = rest[0] == ':' ? n->param.get() : n->catch_all.get();
      if (w && w->name != name) {
        return clash(RouteError::Kind::Conflict, *w->owner, method, pattern,
                     fmt::format(": '{}{}' and '{}{}' at the same position", rest[0], name,
                                 rest[0], w->name));
      }
      n = w;
      rest.remove_prefix(1 + name.size());
      continue;
    }
    const Node* child = n->static_child(rest[0]);
    if (child == nullptr) return std::nullopt;
    const auto common = common_prefix(child->prefix, rest);
    if (common < child->prefix.size()) return std::nullopt;  // a new branch from here
    n = child;
    rest.remove_prefix(common);
  }
  return std::nullopt;
}

void insert(Node* n, const Route& route) {
  std::string_view rest = route.pattern;
  for (;;) {
    if (rest.empty()) {
      n->route = &route;
      return;
    }
    if (rest[0] == ':' || rest[0] == '*') {
      auto& slot = rest[0] == ':' ? n->param : n->catch_all;
      const auto name = wildcard_name(rest);
      if (!slot) {
        slot = std::make_unique<Node>();
        slot->name = name;
        slot->owner = &route;
      }
      n = slot.get();
      rest.remove_prefix(1 + name.size());
      continue;
    }
    const auto literal = rest.substr(0, literal_length(rest));
    Node* child = n->static_child(rest[0]);
    if (child == nullptr) {
      auto fresh = std::make_unique<Node>();
      fresh->prefix = std::string(literal);
      child = fresh.get();
      n->indices.push_back(rest[0]);
      n->children.push_back(std::move(fresh));
      n = child;
      rest.remove_prefix(literal.size());
      continue;
    }
    const auto common = common_prefix(child->prefix, literal);
    if (common < child->prefix.size()) {
      // Split: a new node holds the shared part, the old child keeps the rest.
      const auto at = static_cast<std::size_t>(std::find(n->indices.begin(), n->indices.end(),
                                                         rest[0]) - n->indices.begin());
      auto mid = std::make_unique<Node>();
      mid->prefix = child->prefix.substr(0, common);
      child->prefix.erase(0, common);
      mid->indices.push_back(child->prefix[0]);
      mid->children.push_back(std::move(n->children[at]));
      n->children[at] = std::move(mid);
      child = n->children[at].get();
    }
    n = child;
    rest.remove_prefix(common);
  }
}

}  // namespace

std::string describe(const Route& r) { return fmt::format("{} {}", to_string(r.method), r.pattern); }

Router::Router() = default;
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

std::optional<RouteError> Router::add(Method method, std::string_view pattern, RouteId id) {
  if (auto why = validate_pattern(pattern)) {
    return RouteError{RouteError::Kind::BadPattern,
                      fmt::format("bad pattern {} {}: {}", to_string(method), pattern, *why),
                      nullptr};
  }
  auto& root = roots_[static_cast<std::size_t>(method)];
  if (!root) root = std::make_unique<Node>();
  if (auto clash = check(root.get(), method, pattern)) return clash;

  auto route = std::make_unique<Route>();
  route->id = id;
  route->method = method;
  route->pattern = std::string(pattern);
  const std::string_view stored = route->pattern;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (stored[i] == ':' || stored[i] == '*') {
      route->param_names.push_back(wildcard_name(stored.substr(i)));
      i += route->param_names.back().size();
    }
  }
  insert(root.get(), *route);
  routes_.push_back(std::move(route));
  index_routes(method);
  return std::nullopt;
}

const Route* Router::match(Method method, std::string_view path, Params& params) const {
  const auto& index = indexes_[static_cast<std::size_t>(method)];
  if (!index) {
    params.clear();
    return nullptr;
  }
  return index->match(path, params);
}

void Router::index_routes(Method method) {
  std::vector<const Route*> routes;
  for (const auto& r : routes_) {
    if (r->method == method) routes.push_back(r.get());
  }
  indexes_[static_cast<std::size_t>(method)] = std::make_unique<RouteIndex>(routes);
}

}  // namespace vigil::framework
