#pragma once
// Where a metric's cost went: its value split into parts (functions, for
// vigil-count's instruction counts), so that a diff can name the parts that
// moved most and a regression points at code.

#include <string>
#include <string_view>
#include <vector>

namespace vigil::reports {

struct BreakdownEntry {
  std::string name;    // e.g. a function
  std::string module;  // the binary or library it lives in; may be empty
  std::string file;    // its source file; may be empty
  double value = 0;    // its share of the metric, in the metric's unit
};

struct Breakdown {
  std::string by;  // what the entries are, e.g. "function"
  std::vector<BreakdownEntry> entries;
};

// One part's change between two breakdowns of a metric (0 where absent).
struct PartChange {
  std::string name, module;
  double base = 0, current = 0;
  double delta() const { return current - base; }
};

// The parts that moved, matched by name (the module shown is the current
// one's), largest |change| first; at most `most` of them, none that did not
// move.
std::vector<PartChange> largest_part_changes(const Breakdown& base, const Breakdown& current, std::size_t most);

// A C++ function name for a terminal line: a parameter or template list
// longer than `longest` characters becomes "..." ("f<...>(...)"); names of
// operators are left whole.
std::string short_name(std::string_view name, std::size_t longest = 24);

// "+180.0 malloc (libc.so.6)", with short_name().
std::string format_part_change(const PartChange& c);

}  // namespace vigil::reports
