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

static_assert(std::endian::native == std::endian::little,
              "word-at-a-time matching assumes little-endian byte order");

std::uint64_t load_word(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

std::uint64_t load_half(const char* p) {
  std::uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// kLowBytes[n]: the low n bytes of a word set (a table: no branch, no
// shift by 64).
constexpr std::uint64_t kLowBytes[9] = {0,
                                        0xffULL,
                                        0xffffULL,
                                        0xffffffULL,
                                        0xffffffffULL,
                                        0xffffffffffULL,
                                        0xffffffffffffULL,
                                        0xffffffffffffffULL,
                                        ~std::uint64_t{0}};

// A high bit in every byte of `w` that is zero; exact up to the lowest one
// (a borrow can only mark bytes above a real zero).
constexpr std::uint64_t zero_bytes(std::uint64_t w) { return (w - kOnes) & ~w & kHighs; }

// Up to 8 bytes of [p, p+len) packed into a word, for hashing and equality.
// Reads only inside the range: two overlapping loads, or single bytes.
inline void key_words(const char* p, std::size_t len, std::uint64_t& a, std::uint64_t& b) {
  if (len >= 8) {
    a = load_word(p);
    b = load_word(p + len - 8);
  } else if (len >= 4) {
    a = load_half(p);
    b = load_half(p + len - 4);
  } else {
    const auto byte = [p](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
    a = len == 0 ? 0 : byte(0) | byte(len / 2) << 8 | byte(len - 1) << 16;
    b = 0;
  }
}

inline std::uint64_t static_hash(Method method, const char* p, std::size_t len) {
  std::uint64_t a, b;
  key_words(p, len, a, b);
  // One 64x64->128 multiply mixes both words, the length and the method.
  const unsigned __int128 r = static_cast<unsigned __int128>(a ^ 0x9E3779B97F4A7C15ULL) *
                              (b ^ 0xD6E8FEB86659FD93ULL ^ (len << 8) ^ static_cast<std::uint64_t>(method));
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

// Are bytes [from, len) of p and text equal (len >= 8, from <= len - 8)?
// Whole words, the last one overlapping, so never a read past either end.
inline bool same_words(const char* p, const char* text, std::size_t from, std::size_t len) {
  for (std::size_t i = from; i + 8 < len; i += 8) {
    if (load_word(p + i) != load_word(text + i)) return false;
  }
  return load_word(p + len - 8) == load_word(text + len - 8);
}

// Are [p, p+len) and [text, text+len) equal? Read only inside both ranges.
inline bool same_bytes(const char* p, const char* text, std::size_t len) {
  if (len >= 8) return same_words(p, text, 0, len);
  if (len < 4) return std::memcmp(p, text, len) == 0;
  std::uint64_t a, b, c, d;
  key_words(p, len, a, b);
  key_words(text, len, c, d);
  return a == c && b == d;
}

// The (up to) 8 path bytes at p, in the low bytes of a word, the rest zero.
// Lookups run only on paths of at least 8 bytes (match() pads shorter
// ones), so near the end the word ending at `end` is read and shifted:
// never a read outside the path, never a byte loop.
// Callers have at least one byte left; selects, not branches, since where
// a path ends is anyone's guess.
inline std::uint64_t path_word(const char* p, const char* end) {
  const auto left = static_cast<std::size_t>(end - p);
  const bool near_end = left < 8;
  const char* at = near_end ? end - 8 : p;
  const std::size_t unwanted = near_end ? 8 - left : 0;
  return load_word(at) >> (8 * unwanted);
}

// Does [p, end) start with the node text (`head` holds its first bytes,
// `text` all of it in the pool)?
inline bool starts_with(const char* p, const char* end, std::uint64_t head, const char* text, std::size_t len) {
  if (static_cast<std::size_t>(end - p) < len) return false;
  const std::uint64_t first = path_word(p, end);
  if (len <= 8) return ((first ^ head) & kLowBytes[len]) == 0;
  return first == head && same_words(p, text, 8, len);
}

// The end of the segment at p: the next '/' or `end`.
inline const char* segment_end(const char* p, const char* end) {
  for (;;) {
    const auto left = static_cast<std::size_t>(end - p);
    const std::uint64_t slash = zero_bytes(path_word(p, end) ^ (kOnes * '/')) & kLowBytes[left < 8 ? left : 8];
    if (slash != 0) return p + std::countr_zero(slash) / 8;
    if (left <= 8) return end;
    p += 8;
  }
}

// The pool ends with this much slack, so a 16-byte index block or a whole
// word of any text can be read.
constexpr std::size_t kPoolSlack = 16;

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
  if (const Route* r = match_static(method, path.data(), path.size())) return r;
  if (path.size() >= 8) return match_tree(method, path.data(), path.data() + path.size(), params);
  // The tree reads whole words ending at the path's end: give a short path
  // 8 bytes of room in front, then point its parameter values back at it.
  char padded[16] = {};
  std::memcpy(padded + 8, path.data(), path.size());
  const Route* r = match_tree(method, padded + 8, padded + 8 + path.size(), params);
  if (r == nullptr || params.empty()) return r;
  Params found = params;
  params.clear();
  for (const Param& p : found) {
    const auto at = static_cast<std::size_t>(p.value.data() - (padded + 8));
    params.push(p.name, p.value.empty() ? std::string_view{} : path.substr(at, p.value.size()));
  }
  return r;
}

const Route* Router::match_tree(Method method, const char* p, const char* end, Params& params) const {
  const std::uint32_t top = flat_roots_[static_cast<std::size_t>(method)];
  if (top == kNoNode) return nullptr;
  const FlatNode& t = flat_[top];
  if (!starts_with(p, end, t.head, pool_.data() + t.text, t.text_len)) return nullptr;
  const Route* r = match_from(flat_.data(), pool_.data(), top, p + t.text_len, end, params);
  if (r == nullptr) params.clear();
  return r;
}

void Router::compile() {
  flat_.clear();
  pool_.clear();
  for (std::size_t m = 0; m < kMethodCount; ++m) {
    flat_roots_[m] = kNoNode;
    if (!roots_[m]) continue;
    // Every pattern starts with '/', so a root has no text and exactly one
    // static child, the prefix all its routes share: lookups start there.
    const std::uint32_t root = static_cast<std::uint32_t>(flat_.size());
    flat_.emplace_back();
    compile_node(root, *roots_[m]);
    flat_roots_[m] = flat_[root].first_child;
  }
  compile_statics();
  pool_.append(kPoolSlack, '\0');
}

void Router::compile_statics() {
  std::size_t count = 0;
  for (const auto& r : routes_) count += r->param_names.empty();
  // At most a quarter full, so a miss (every parameter route's lookup) is
  // usually one probe of an empty slot.
  std::size_t size = 4;
  while (size < 4 * count) size *= 2;
  statics_.assign(size, StaticSlot{});
  static_shift_ = static_cast<unsigned>(64 - std::countr_zero(size));
  for (const auto& r : routes_) {
    if (!r->param_names.empty()) continue;
    StaticSlot slot{r.get(), static_cast<std::uint32_t>(pool_.size()),
                    static_cast<std::uint16_t>(r->pattern.size()), r->method};
    pool_ += r->pattern;
    std::size_t i = static_hash(r->method, r->pattern.data(), r->pattern.size()) >> static_shift_;
    while (statics_[i].route != nullptr) i = (i + 1) & (size - 1);
    statics_[i] = slot;
  }
}

void Router::compile_node(std::uint32_t slot, const Node& node) {
  FlatNode f;
  const std::string_view text = node.prefix.empty() ? node.name : std::string_view(node.prefix);
  f.text = static_cast<std::uint32_t>(pool_.size());
  f.text_len = static_cast<std::uint16_t>(text.size());
  if (!text.empty()) std::memcpy(&f.head, text.data(), std::min<std::size_t>(text.size(), 8));
  pool_ += text;
  f.indices = static_cast<std::uint32_t>(pool_.size());
  pool_ += node.indices;
  f.child_count = static_cast<std::uint16_t>(node.children.size());
  if (f.child_count <= kInlineChildren) std::memcpy(f.first_bytes, node.indices.data(), f.child_count);
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

inline const Route* Router::match_static(Method method, const char* p, std::size_t length) const {
  const std::size_t mask = statics_.size() - 1;
  for (std::size_t i = static_hash(method, p, length) >> static_shift_;; i = (i + 1) & mask) {
    const StaticSlot& slot = statics_[i];
    if (slot.route == nullptr) return nullptr;
    if (slot.length == length && slot.method == method && same_bytes(p, pool_.data() + slot.text, length)) {
      return slot.route;
    }
  }
}

inline std::uint32_t Router::find_child(const FlatNode& n, char c, const char* pool) {
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(c);
  if (n.child_count <= kInlineChildren) {  // one compare, also for no children at all
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(n.first_bytes));
    const unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, needle))) &
                          ((1u << n.child_count) - 1);
    return bits == 0 ? kNoNode : n.first_child + static_cast<std::uint32_t>(__builtin_ctz(bits));
  }
  const char* idx = pool + n.indices;
  for (std::uint32_t base = 0; base < n.child_count; base += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + base));
    unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, needle)));
    const std::uint32_t left = n.child_count - base;
    if (left < 16) bits &= (1u << left) - 1;
    if (bits != 0) return n.first_child + base + static_cast<std::uint32_t>(__builtin_ctz(bits));
  }
#else
  const char* idx = n.child_count <= kInlineChildren ? n.first_bytes : pool + n.indices;
  for (std::uint32_t i = 0; i < n.child_count; ++i) {
    if (idx[i] == c) return n.first_child + i;
  }
#endif
  return kNoNode;
}

// Finds the route for [p, end) below `node` (its prefix already consumed).
// Static children win over the parameter, which wins over the catch-all;
// a branch that dead-ends falls back to the next alternative.
const Route* Router::match_from(const FlatNode* nodes, const char* pool, std::uint32_t node,
                                const char* p, const char* end, Params& params) {
  for (;;) {
    const FlatNode& n = nodes[node];
    if (p == end) {
      if (n.route) return n.route;
      if (n.catch_all != kNoNode) {
        const FlatNode& c = nodes[n.catch_all];
        params.push({pool + c.text, c.text_len}, {});
        return c.route;
      }
      return nullptr;
    }
    const bool has_alternative = n.param != kNoNode || n.catch_all != kNoNode;
    if (const std::uint32_t ci = find_child(n, *p, pool); ci != kNoNode) {
      const FlatNode& child = nodes[ci];
      const std::size_t len = child.text_len;
      if (starts_with(p, end, child.head, pool + child.text, len)) {
        if (!has_alternative) {
          node = ci;
          p += len;
          continue;
        }
        const std::size_t mark = params.size();
        if (const Route* r = match_from(nodes, pool, ci, p + len, end, params)) return r;
        params.truncate(mark);
      }
    }
    if (n.param != kNoNode) {
      const char* stop = segment_end(p, end);
      if (stop != p) {
        const FlatNode& pn = nodes[n.param];
        params.push({pool + pn.text, pn.text_len}, {p, static_cast<std::size_t>(stop - p)});
        if (n.catch_all == kNoNode) {
          // A parameter node's only possible child is static text starting
          // with '/', where the value stopped: take both steps at once.
          if (stop == end || pn.child_count == 0) {
            node = n.param;
            p = stop;
            continue;
          }
          const FlatNode& next = nodes[pn.first_child];
          if (!starts_with(stop, end, next.head, pool + next.text, next.text_len)) return nullptr;
          node = pn.first_child;
          p = stop + next.text_len;
          continue;
        }
        const std::size_t mark = params.size() - 1;
        if (const Route* r = match_from(nodes, pool, n.param, stop, end, params)) return r;
        params.truncate(mark);
      }
    }
    if (n.catch_all != kNoNode) {
      const FlatNode& c = nodes[n.catch_all];
      params.push({pool + c.text, c.text_len}, {p, static_cast<std::size_t>(end - p)});
      return c.route;
    }
    return nullptr;
  }
}

}  // namespace vigil::framework
