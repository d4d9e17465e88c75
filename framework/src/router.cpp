#include "vigil/framework/router.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>

namespace vigil::framework {

// A radix-tree node. Static children are found by their first byte through
// `indices`; a node has at most one `:param` and one `*catchall` child.
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

std::uint64_t load_word(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Does [p, end) start with text[0, len)? Words at a time: the pool holds
// slack after every text, so reading a whole word of `text` is safe; the
// path is read a whole word only when it has one.
inline bool starts_with(const char* p, const char* end, const char* text, std::size_t len) {
  const auto left = static_cast<std::size_t>(end - p);
  if (left < len) return false;
  if (len >= 8) {
    for (std::size_t i = 0; i + 8 <= len; i += 8) {
      if (load_word(p + i) != load_word(text + i)) return false;
    }
    return load_word(p + len - 8) == load_word(text + len - 8);
  }
  if (std::endian::native == std::endian::little && left >= 8) {
    const std::uint64_t mask = len == 0 ? 0 : ~std::uint64_t{0} >> (64 - 8 * len);
    return ((load_word(p) ^ load_word(text)) & mask) == 0;
  }
  for (std::size_t i = 0; i < len; ++i) {
    if (p[i] != text[i]) return false;
  }
  return true;
}

// The pool ends with this much slack, so a 16-byte index block can be read
// whole; bits beyond a node's child count are masked off.
constexpr std::size_t kPoolSlack = 16;
static_assert(kPoolSlack >= 8, "starts_with() reads a whole word of text");

}  // namespace

std::string describe(const Route& r) { return fmt::format("{} {}", to_string(r.method), r.pattern); }

Router::Router() { compile(); }
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
  compile();
  return std::nullopt;
}

const Route* Router::match(Method method, std::string_view path, Params& params) const {
  params.clear();
  const std::uint32_t root = flat_roots_[static_cast<std::size_t>(method)];
  if (root == kNoNode) return nullptr;
  const Route* r = match_from(root, path.data(), path.data() + path.size(), params);
  if (r == nullptr) params.clear();
  return r;
}

void Router::compile() {
  flat_.clear();
  pool_.clear();
  for (std::size_t m = 0; m < kMethodCount; ++m) {
    flat_roots_[m] = kNoNode;
    if (!roots_[m]) continue;
    flat_roots_[m] = static_cast<std::uint32_t>(flat_.size());
    flat_.emplace_back();
    compile_node(flat_roots_[m], *roots_[m]);
  }
  pool_.append(kPoolSlack, '\0');
}

void Router::compile_node(std::uint32_t slot, const Node& node) {
  FlatNode f;
  const std::string_view text = node.prefix.empty() ? node.name : std::string_view(node.prefix);
  f.text = static_cast<std::uint32_t>(pool_.size());
  f.text_len = static_cast<std::uint16_t>(text.size());
  pool_ += text;
  f.indices = static_cast<std::uint32_t>(pool_.size());
  pool_ += node.indices;
  f.child_count = static_cast<std::uint16_t>(node.children.size());
  f.route = node.route;
  // Static children take contiguous slots; flat_ may grow below, so `f` is
  // stored only at the end.
  if (!node.children.empty()) {
    f.first_child = static_cast<std::uint32_t>(flat_.size());
    flat_.resize(flat_.size() + node.children.size());
    for (std::size_t i = 0; i < node.children.size(); ++i) {
      compile_node(f.first_child + static_cast<std::uint32_t>(i), *node.children[i]);
    }
  }
  for (auto [from, to] : {std::pair{&node.param, &f.param}, std::pair{&node.catch_all, &f.catch_all}}) {
    if (!*from) continue;
    *to = static_cast<std::uint32_t>(flat_.size());
    flat_.emplace_back();
    compile_node(*to, **from);
  }
  flat_[slot] = f;
}

inline std::uint32_t Router::find_child(const FlatNode& n, char c) const {
  const char* idx = pool_.data() + n.indices;
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(c);
  for (std::uint32_t base = 0; base < n.child_count; base += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + base));
    unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, needle)));
    const std::uint32_t left = n.child_count - base;
    if (left < 16) bits &= (1u << left) - 1;
    if (bits != 0) return n.first_child + base + static_cast<std::uint32_t>(__builtin_ctz(bits));
  }
#else
  for (std::uint32_t i = 0; i < n.child_count; ++i) {
    if (idx[i] == c) return n.first_child + i;
  }
#endif
  return kNoNode;
}

// Finds the route for [p, end) below `node` (its prefix already consumed).
// Static children win over the parameter, which wins over the catch-all;
// a branch that dead-ends falls back to the next alternative.
const Route* Router::match_from(std::uint32_t node, const char* p, const char* end,
                                Params& params) const {
  for (;;) {
    const FlatNode& n = flat_[node];
    if (p == end) {
      if (n.route) return n.route;
      if (n.catch_all != kNoNode) {
        const FlatNode& c = flat_[n.catch_all];
        params.push({pool_.data() + c.text, c.text_len}, {});
        return c.route;
      }
      return nullptr;
    }
    const bool has_alternative = n.param != kNoNode || n.catch_all != kNoNode;
    if (const std::uint32_t ci = find_child(n, *p); ci != kNoNode) {
      const FlatNode& child = flat_[ci];
      const std::size_t len = child.text_len;
      if (starts_with(p, end, pool_.data() + child.text, len)) {
        if (!has_alternative) {
          node = ci;
          p += len;
          continue;
        }
        const std::size_t mark = params.size();
        if (const Route* r = match_from(ci, p + len, end, params)) return r;
        params.truncate(mark);
      }
    }
    if (n.param != kNoNode) {
      const char* stop = p;
      while (stop != end && *stop != '/') ++stop;
      if (stop != p) {
        const FlatNode& pn = flat_[n.param];
        params.push({pool_.data() + pn.text, pn.text_len}, {p, static_cast<std::size_t>(stop - p)});
        if (n.catch_all == kNoNode) {
          node = n.param;
          p = stop;
          continue;
        }
        const std::size_t mark = params.size() - 1;
        if (const Route* r = match_from(n.param, stop, end, params)) return r;
        params.truncate(mark);
      }
    }
    if (n.catch_all != kNoNode) {
      const FlatNode& c = flat_[n.catch_all];
      params.push({pool_.data() + c.text, c.text_len}, {p, static_cast<std::size_t>(end - p)});
      return c.route;
    }
    return nullptr;
  }
}

}  // namespace vigil::framework
