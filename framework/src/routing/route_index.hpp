#pragma once
// The lookup side of the router: tables for the routes of one method,
// compiled from its RouteTree and only read afterwards (any number of
// threads may match).
//
// A parameter or catch-all always fills whole segments, so lookups walk a
// tree of segments, not of bytes: each node finds its static child by one
// probe of a small hash table keyed by the whole segment, so a level costs
// the same for `repos` and `notifications`, and a parameter takes a segment
// without comparing anything. Static children win over the parameter, which
// wins over the catch-all; a branch that dead-ends resumes at the last place
// that had an alternative.
// Routes without parameters are found first, by one probe of a table keyed
// by the whole path.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "route_tree.hpp"
#include "vigil/framework/text/field.hpp"
#include "vigil/framework/routing/router.hpp"

namespace vigil::framework {

class RouteIndex {
 public:
  // The lookup's backtracking stack has a place per segment; the router
  // refuses longer patterns.
  static constexpr std::size_t kMaxSegments = 63;

  explicit RouteIndex(const RouteTree::Node& root);

  const Route* match(std::string_view path, Params& params) const;
  std::size_t memory_bytes() const;  // the tables and the object itself

  // A text is compared and hashed by its first (up to) 8 bytes, zero-padded,
  // its last 8 bytes when it is longer than 8, and its length; texts over
  // 16 bytes also compare their middle.
  // No member initialisers: lookups make them in their inner loop.
  struct Words {
    std::uint64_t first;
    std::uint64_t last;
  };

 private:
  static constexpr std::uint32_t kNoNode = 0xffffffffu;
  struct Text {
    Words words{};
    std::uint32_t pool = 0;  // offset of all of it
    std::uint16_t length = 0;
  };
  // A node in 32 bytes and a child's slot in 24: the tables of a route set
  // like GitHub's take about 30 KB, not 45, and stay in the first-level
  // data cache more of the time. Nodes and whole-path slots are aligned to
  // their size, so that reading one never takes two cache lines.
  struct alignas(32) Node {
    const Route* route = nullptr;      // the route whose last segment this is
    std::uint32_t children = kNoNode;  // first slot of its static children's table
    std::uint32_t param = kNoNode;
    std::uint32_t catch_all = kNoNode;  // its name: the last of its route's parameter names
    // The parameter child's name in the pool, kept here so taking a
    // parameter reads nothing but this node.
    std::uint32_t param_name = 0;
    std::uint16_t param_name_length = 0;
    std::uint8_t shift = 63;  // table slot = hash >> shift; size = 2^(64 - shift)
    // Its route names a parameter otherwise than the parameter nodes on the
    // way here (which carry the first route's names): a match renames them.
    bool rename = false;
  };
  static_assert(sizeof(Node) == 32);
  struct Child {
    Words words{};                 // the segment, without slashes
    std::uint32_t node = kNoNode;  // kNoNode: an empty slot
    std::uint16_t length = 0;
  };
  struct alignas(32) StaticSlot {
    const Route* route = nullptr;  // nullptr: an empty slot
    Text text;                     // the whole path
  };
  static_assert(sizeof(StaticSlot) == 32);

  Text store(std::string_view text);
  void add_static(const Route& route);
  std::uint32_t compile(const RouteTree::Node& node, std::vector<std::string_view>& names,
                        std::vector<const Route*>& without_params);
  const Route* match_padded(const char* p, std::size_t length, Params& params) const;
  const Route* match_static(const char* p, std::size_t length) const;
  // The node where the matching route ends (parameters under the names of
  // the nodes on the way), or nullptr.
  const Node* match_tree(const char* p, const char* end, Params& params) const;
  static void rename(const Node& n, Params& params);
  // Static, on plain pointers: stores into Params cannot alias the tables,
  // so their addresses stay in registers during a lookup.
  static std::uint32_t static_child(const Node& n, const Child* children, const std::uint32_t* child_texts,
                                    const char* pool, const char* s, const char* e, const char* end);

  std::string pool_;  // all static text
  std::vector<StaticSlot> statics_;  // open addressing, a power of two
  unsigned static_shift_ = 63;
  std::vector<Node> nodes_;  // [0]: the root, before the first segment
  std::vector<Child> children_;  // every node's table, one after another
  // Beside children_, slot for slot: where the text is in the pool, read
  // only for segments over 16 bytes.
  std::vector<std::uint32_t> child_texts_;
};

}  // namespace vigil::framework
