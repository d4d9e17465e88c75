#include "vigil/framework/routing/router.hpp"

#include "route_index.hpp"
#include "route_tree.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace vigil::framework {

namespace {

using Node = RouteTree::Node;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
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

// Walks the tree along `pattern` without changing it. A parameter or
// catch-all is one node whatever its name, so the walk ends on an existing
// route only when both patterns match the same paths: the only clash.
std::optional<RouteError> check(const Node& root, Method method, std::string_view pattern) {
  const Node* n = &root;
  for_each_segment(pattern, [&](std::string_view segment) {
    if (is_wildcard(segment)) {
      n = segment[0] == ':' ? n->param.get() : n->catch_all.get();
    } else {
      const auto child = n->statics.find(segment);
      n = child == n->statics.end() ? nullptr : child->second.get();
    }
    return n != nullptr;  // no node: a new branch from here
  });
  if (n == nullptr || n->route == nullptr) return std::nullopt;
  if (n->route->pattern == pattern) return clash(RouteError::Kind::Duplicate, *n->route, method, pattern, "");
  return clash(RouteError::Kind::Conflict, *n->route, method, pattern,
               ": both match the same paths (only parameter names differ)");
}

void insert(Node& root, const Route& route) {
  Node* n = &root;
  for_each_segment(route.pattern, [&](std::string_view segment) {
    if (is_wildcard(segment)) {
      auto& slot = segment[0] == ':' ? n->param : n->catch_all;
      if (!slot) {
        slot = std::make_unique<Node>();
        slot->name = segment.substr(1);
      }
      n = slot.get();
    } else {
      auto& slot = n->statics[segment];
      if (!slot) slot = std::make_unique<Node>();
      n = slot.get();
    }
    return true;
  });
  n->route = &route;
}

}  // namespace

std::string describe(const Route& r) { return fmt::format("{} {}", to_string(r.method), r.pattern); }

Router::Router() = default;
Router::~Router() = default;
Router::Router(Router&& other) noexcept { *this = std::move(other); }

// Each router keeps its own compile lock; everything else moves.
Router& Router::operator=(Router&& other) noexcept {
  routes_ = std::move(other.routes_);
  for (std::size_t m = 0; m < kMethodCount; ++m) {
    trees_[m] = std::move(other.trees_[m]);
    indexes_[m] = std::move(other.indexes_[m]);
    published_[m].store(indexes_[m].get(), std::memory_order_release);
    other.published_[m].store(nullptr, std::memory_order_relaxed);
  }
  return *this;
}

std::optional<RouteError> Router::add(Method method, std::string_view pattern, RouteId id) {
  if (auto why = validate_pattern(pattern)) {
    return RouteError{RouteError::Kind::BadPattern,
                      fmt::format("bad pattern {} {}: {}", to_string(method), pattern, *why),
                      nullptr};
  }
  auto& tree = trees_[static_cast<std::size_t>(method)];
  if (!tree) tree = std::make_unique<RouteTree>();
  if (auto clash = check(tree->root, method, pattern)) return clash;

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
  insert(tree->root, *route);
  routes_.push_back(std::move(route));
  const auto m = static_cast<std::size_t>(method);
  published_[m].store(nullptr, std::memory_order_relaxed);
  indexes_[m].reset();
  return std::nullopt;
}

const Route* Router::match(Method method, std::string_view path, Params& params) const {
  const auto m = static_cast<std::size_t>(method);
  const RouteIndex* index = published_[m].load(std::memory_order_acquire);
  if (index == nullptr) {
    if (!trees_[m]) {
      params.clear();
      return nullptr;
    }
    index = compile_index(m);
  }
  return index->match(path, params);
}

std::size_t Router::lookup_table_bytes() const {
  std::size_t total = 0;
  for (std::size_t m = 0; m < kMethodCount; ++m) {
    if (!trees_[m]) continue;
    const RouteIndex* index = published_[m].load(std::memory_order_acquire);
    total += (index != nullptr ? index : compile_index(m))->memory_bytes();
  }
  return total;
}

const RouteIndex* Router::compile_index(std::size_t method) const {
  const std::lock_guard<std::mutex> lock(compile_lock_);
  if (!indexes_[method]) {
    indexes_[method] = std::make_unique<RouteIndex>(trees_[method]->root);
    published_[method].store(indexes_[method].get(), std::memory_order_release);
  }
  return indexes_[method].get();
}

}  // namespace vigil::framework
