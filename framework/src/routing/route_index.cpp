#include "route_index.hpp"

#include "word_ops.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace vigil::framework {
namespace {

using Words = RouteIndex::Words;

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

// Lookups read whole words and never outside the path: every path they see
// has 8 readable bytes before its end (match() pads short ones in front).

// The (up to) 8 path bytes at b, in the low bytes of a word, zeros beyond
// the path's end. Near the end, the word ending at `end` is read and
// shifted; selects, not branches, since where a segment ends is anyone's
// guess.
inline std::uint64_t word_at(const char* b, const char* end) {
  const auto room = static_cast<std::size_t>(end - b);
  const std::size_t skip = room < 8 ? 8 - room : 0;
  // Two shifts: `skip` is 8 (nothing wanted) for b == end, and one shift by
  // 64 would be undefined.
  return load_word(b - skip) >> (4 * skip) >> (4 * skip);
}

// The words of a pattern's text (set-up: plain and safe).
Words words_of(std::string_view text) {
  Words w{};
  for (std::size_t i = 0; i < std::min<std::size_t>(text.size(), 8); ++i) {
    w.first |= static_cast<std::uint64_t>(static_cast<unsigned char>(text[i])) << (8 * i);
  }
  if (text.size() > 8) w.last = load_word(text.data() + text.size() - 8);
  return w;
}

// The words of [b, e), a piece of a path ending at `end`.
inline Words words_in_path(const char* b, const char* e, const char* end) {
  const auto length = static_cast<std::size_t>(e - b);
  Words w;
  w.first = word_at(b, end) & kLowBytes[length < 8 ? length : 8];
  const std::uint64_t tail = load_word(length > 8 ? e - 8 : end - 8);
  w.last = length > 8 ? tail : 0;
  return w;
}

// The end of the segment at s: the next '/' or `end`.
inline const char* segment_end(const char* s, const char* end) {
  for (;;) {
    const auto left = static_cast<std::size_t>(end - s);
    if (left == 0) return end;
    const std::uint64_t slash = zero_bytes(word_at(s, end) ^ (kOnes * '/')) & kLowBytes[left < 8 ? left : 8];
    if (slash != 0) return s + std::countr_zero(slash) / 8;
    if (left <= 8) return end;
    s += 8;
  }
}

// The whole-path table: a strong mix, since its slot is taken from the
// high bits and paths share long prefixes.
inline std::uint64_t text_hash(Words w, std::size_t length) {
  return fold_multiply(w.first ^ 0x9E3779B97F4A7C15ULL,
                       w.last ^ 0xD6E8FEB86659FD93ULL ^ (static_cast<std::uint64_t>(length) << 1));
}

// A node's children's tables are small: one plain multiply will do.
inline std::uint64_t segment_hash(Words w, std::size_t length) {
  return (w.first ^ w.last ^ length) * 0x9E3779B97F4A7C15ULL;
}

// Are the bytes of [p, p+len) and [text, text+len) between the first and
// the last word equal (len > 16)? Whole words only, the last word covering
// the rest: not same_bytes() on the middle, whose few-byte tail would loop.
inline bool same_middle(const char* p, const char* text, std::size_t len) {
  for (std::size_t i = 8; i + 8 < len; i += 8) {
    if (load_word(p + i) != load_word(text + i)) return false;
  }
  return true;
}

// Is a text stored as (words, length, middle at `stored`) the path text
// [p, p+length) whose words are `w`?
inline bool same_text(Words a, std::size_t a_length, Words w, const char* p, std::size_t length,
                      const char* stored) {
  return a_length == length && a.first == w.first && a.last == w.last &&
         (length <= 16 || same_middle(p, stored, length));
}

// Open-addressing tables: a power of two at least `spread` times the count,
// so a miss is usually one probe of an empty slot.
std::size_t table_size(std::size_t count, std::size_t spread) {
  std::size_t size = 2;
  while (size < spread * count) size *= 2;
  return size;
}
unsigned slot_shift(std::size_t size) { return static_cast<unsigned>(64 - std::countr_zero(size)); }

}  // namespace

RouteIndex::RouteIndex(const RouteTree::Node& root) {
  std::vector<std::string_view> names;
  std::vector<const Route*> without_params;
  compile(root, names, without_params);
  statics_.assign(table_size(without_params.size(), 2), StaticSlot{});
  static_shift_ = slot_shift(statics_.size());
  for (const Route* r : without_params) add_static(*r);
  // Built by appending; read only from now on.
  pool_.shrink_to_fit();
  nodes_.shrink_to_fit();
  children_.shrink_to_fit();
  child_texts_.shrink_to_fit();
}

std::size_t RouteIndex::memory_bytes() const {
  return sizeof(*this) + pool_.capacity() + statics_.capacity() * sizeof(StaticSlot) +
         nodes_.capacity() * sizeof(Node) + children_.capacity() * sizeof(Child) +
         child_texts_.capacity() * sizeof(std::uint32_t);
}

RouteIndex::Text RouteIndex::store(std::string_view text) {
  Text t{words_of(text), static_cast<std::uint32_t>(pool_.size()), static_cast<std::uint16_t>(text.size())};
  pool_ += text;
  return t;
}

void RouteIndex::add_static(const Route& route) {
  const StaticSlot slot{&route, store(route.pattern)};
  const std::size_t mask = statics_.size() - 1;
  std::size_t i = text_hash(slot.text.words, slot.text.length) >> static_shift_;
  while (statics_[i].route != nullptr) i = (i + 1) & mask;
  statics_[i] = slot;
}

// Appends `node` and everything below it to nodes_ and returns its index;
// `names` are those of the parameter nodes on the way to it. Routes without
// parameters are also listed in `without_params`.
std::uint32_t RouteIndex::compile(const RouteTree::Node& node, std::vector<std::string_view>& names,
                                  std::vector<const Route*>& without_params) {
  const auto at = static_cast<std::uint32_t>(nodes_.size());
  nodes_.emplace_back();
  nodes_[at].route = node.route;
  if (node.route != nullptr) {
    // A catch-all's own name comes from its route: only those before it count.
    nodes_[at].rename = !std::equal(names.begin(), names.end(), node.route->param_names.begin());
    if (node.route->param_names.empty()) without_params.push_back(node.route);
  }
  if (node.param) {
    names.push_back(node.param->name);
    const std::uint32_t child = compile(*node.param, names, without_params);  // moves nodes_: no reference held across it
    names.pop_back();
    const Text name = store(node.param->name);
    nodes_[at].param = child;
    nodes_[at].param_name = name.pool;
    nodes_[at].param_name_length = name.length;
  }
  if (node.catch_all) {
    const std::uint32_t child = compile(*node.catch_all, names, without_params);
    nodes_[at].catch_all = child;
  }
  if (node.statics.empty()) return at;

  const std::size_t size = table_size(node.statics.size(), 2);
  const auto table = static_cast<std::uint32_t>(children_.size());
  children_.resize(children_.size() + size);
  child_texts_.resize(children_.size());
  nodes_[at].children = table;
  nodes_[at].shift = static_cast<std::uint8_t>(slot_shift(size));
  for (const auto& [text, child] : node.statics) {
    const Text t = store(text);
    const std::uint32_t below = compile(*child, names, without_params);
    std::size_t slot = segment_hash(t.words, t.length) >> nodes_[at].shift;
    while (children_[table + slot].node != kNoNode) slot = (slot + 1) & (size - 1);
    children_[table + slot] = Child{t.words, below, t.length};
    child_texts_[table + slot] = t.pool;
  }
  return at;
}

const Route* RouteIndex::match(std::string_view path, Params& params) const {
  params.clear();
  if (path.empty()) return nullptr;
  if (path.size() >= 8) return match_padded(path.data(), path.size(), params);
  // Whole-word reads need 8 bytes before the path's end: give a short path
  // room in front, then point its parameter values back at it.
  char padded[16] = {};
  std::memcpy(padded + 8, path.data(), path.size());
  const Route* r = match_padded(padded + 8, path.size(), params);
  if (r == nullptr || params.empty()) return r;
  Params found = params;
  params.clear();
  for (const Param& p : found) {
    const auto at = static_cast<std::size_t>(p.value.data() - (padded + 8));
    params.push(p.name, p.value.empty() ? std::string_view{} : path.substr(at, p.value.size()));
  }
  return r;
}

inline const Route* RouteIndex::match_padded(const char* p, std::size_t length, Params& params) const {
  if (const Route* r = match_static(p, length)) return r;
  if (p[0] != '/') return nullptr;
  const Node* n = match_tree(p, p + length, params);
  if (n == nullptr) return nullptr;
  if (n->rename) [[unlikely]] rename(*n, params);
  return n->route;
}

inline const Route* RouteIndex::match_static(const char* p, std::size_t length) const {
  const std::size_t mask = statics_.size() - 1;
  const Words w = words_in_path(p, p + length, p + length);
  for (std::size_t i = text_hash(w, length) >> static_shift_;; i = (i + 1) & mask) {
    const StaticSlot& slot = statics_[i];
    if (slot.route == nullptr) return nullptr;
    if (same_text(slot.text.words, slot.text.length, w, p, length, pool_.data() + slot.text.pool)) {
      return slot.route;
    }
  }
}

inline std::uint32_t RouteIndex::static_child(const Node& n, const Child* children,
                                              const std::uint32_t* child_texts, const char* pool,
                                              const char* s, const char* e, const char* end) {
  if (n.children == kNoNode) return kNoNode;
  const auto length = static_cast<std::size_t>(e - s);
  const Words w = words_in_path(s, e, end);
  const std::size_t mask = ~std::uint64_t{0} >> n.shift;
  for (std::size_t i = segment_hash(w, length) >> n.shift;; i = (i + 1) & mask) {
    const Child& c = children[n.children + i];
    if (c.node == kNoNode) return kNoNode;
    if (c.length != length || c.words.first != w.first || c.words.last != w.last) continue;
    if (length <= 16 || same_middle(s, pool + child_texts[n.children + i], length)) return c.node;
  }
}

// Gives the parameters the names of the route ending at `n`. Out of line:
// the common lookup, where the names need no change, stays short.
[[gnu::noinline, gnu::cold]] void RouteIndex::rename(const Node& n, Params& params) {
  for (std::size_t i = 0; i < params.size(); ++i) params.set_name(i, n.route->param_names[i]);
}

// Walks the segments of [p, end) (p at its leading '/'). At each node the
// static child comes first, then the parameter, then the catch-all; taking
// one while a later one exists leaves a place to resume from.
const RouteIndex::Node* RouteIndex::match_tree(const char* p, const char* end, Params& params) const {
  enum Stage : std::uint8_t { kStatic, kParam, kCatchAll };
  struct Resume {
    std::uint32_t node;
    Stage stage;
    const char* segment;
    std::size_t params;
  };
  Resume resume[kMaxSegments + 1];
  std::size_t pending = 0;

  const Node* nodes = nodes_.data();
  const Child* children = children_.data();
  const std::uint32_t* child_texts = child_texts_.data();
  const char* pool = pool_.data();
  std::uint32_t at = 0;
  const char* s = p + 1;
  Stage stage = kStatic;
  for (;;) {
    const Node& n = nodes[at];
    const char* e = segment_end(s, end);
    std::uint32_t next = kNoNode;
    if (stage == kStatic) {
      next = static_child(n, children, child_texts, pool, s, e, end);
      if (next == kNoNode) {
        stage = kParam;
      } else if (n.param != kNoNode || n.catch_all != kNoNode) {
        resume[pending++] = {at, kParam, s, params.size()};
      }
    }
    if (stage == kParam) {
      if (n.param != kNoNode && e != s) {  // a parameter is never empty
        if (n.catch_all != kNoNode) resume[pending++] = {at, kCatchAll, s, params.size()};
        next = n.param;
        params.push({pool + n.param_name, n.param_name_length}, {s, static_cast<std::size_t>(e - s)});
      } else {
        stage = kCatchAll;
      }
    }
    if (stage == kCatchAll && n.catch_all != kNoNode) {
      const Node& c = nodes[n.catch_all];
      params.push(c.route->param_names.back(), {s, static_cast<std::size_t>(end - s)});
      return &c;
    }
    if (next != kNoNode) {
      if (e != end) {
        at = next;
        s = e + 1;
        stage = kStatic;
        continue;
      }
      if (nodes[next].route != nullptr) return &nodes[next];
    }
    // A dead end: back to the last node that had another way on.
    if (pending == 0) {
      params.clear();
      return nullptr;
    }
    const Resume& r = resume[--pending];
    at = r.node;
    stage = r.stage;
    s = r.segment;
    params.truncate(r.params);
  }
}

}  // namespace vigil::framework
