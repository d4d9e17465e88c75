#pragma once
// The defect catalog: every known bug of the reference core is a switch, off
// unless asked for. This is the one place the names live, and
// apply_defects() the one place a defect becomes behaviour: each one sets
// an option of the component it lives in. The core itself knows options
// only (RouteCacheOptions::key_comparison, EventPoolOptions::strategy, ...).

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/pipeline/app.hpp"

namespace vigil::harness {

enum class Defect : std::uint8_t {
  EventPoolLeak,
  RouteCacheHashOnly,
  RouteCacheUnbounded,
  PoolNoReuse,
  PoolMutex,
  HistoryUnbounded,
  ThreadLeak,
  MiddlewareAlloc,
  ArenaNoReset,
};

// A tool that must report a defect, and how when it is not by its own
// verdict (e.g. "diff (allocs/op)": its report gated against the clean run).
struct Flagger {
  std::string_view tool;  // the executable, e.g. "vigil-leak-test"
  std::string_view how;   // empty: the tool's own verdict
};

struct DefectInfo {
  Defect value;
  std::string_view name;                // stable CLI and report name, e.g. "event-pool-leak"
  std::string_view bug;                 // one line: what goes wrong
  std::span<const Flagger> flagged_by;  // the tools that must report it
};

// Every defect, in catalog order.
std::span<const DefectInfo> defect_catalog();

std::string_view defect_name(Defect d);
std::optional<Defect> parse_defect(std::string_view name);

// A set of switched-on defects; cheap to copy and to query.
class DefectSet {
 public:
  DefectSet() = default;
  DefectSet(std::initializer_list<Defect> defects) {
    for (Defect d : defects) enable(d);
  }

  void enable(Defect d) { bits_ |= bit(d); }
  bool has(Defect d) const { return (bits_ & bit(d)) != 0; }
  bool empty() const { return bits_ == 0; }

  // Names of the enabled defects, in catalog order (for report configs).
  std::vector<std::string> names() const;

  // Parses names such as those given to `--defect`; on an unknown name,
  // returns nullopt and sets `error` to a one-line reason.
  static std::optional<DefectSet> parse(std::span<const std::string> names, std::string& error);

 private:
  static std::uint32_t bit(Defect d) { return 1u << static_cast<unsigned>(d); }
  std::uint32_t bits_ = 0;
};

// `options` with the behaviour of every defect in `defects` switched on.
framework::AppOptions apply_defects(const DefectSet& defects, framework::AppOptions options = {});

// "vigil-bench diff (allocs/op), vigil-count": the tools as the catalog's
// table and `--list-defects` name them.
std::string format_flagged_by(const DefectInfo& info);

// Whether the catalog says `tool` must report `info`'s defect.
bool must_flag(const DefectInfo& info, std::string_view tool);

// The catalog as a table for `--list-defects`.
std::string format_defect_catalog();

}  // namespace vigil::harness
