#pragma once
// The --defect NAME (repeatable) and --list-defects options, from
// registration to the parsed DefectSet: the one parser of every tool that
// runs the core, the leak driver and vigil-bench.
//
//   DefectFlags defect_flags;
//   defect_flags.add_to(app);
//   if (auto exit = harness::parse_command_line(app, argc, argv, "vigil-x")) return *exit;
//   if (auto exit = defect_flags.resolve("vigil-x", defects)) return *exit;

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/harness/defects.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace vigil::harness {

class DefectFlags {
 public:
  // The options' descriptions in --help (tools word their help differently).
  struct Help {
    std::string defect = "switch on a defect of the core (repeatable)";
    std::string list = "list the defects and exit";
  };

  void add_to(CLI::App& app, const Help& help);
  void add_to(CLI::App& app) { add_to(app, Help{}); }

  // After parsing: nullopt with `defects` set when the tool should go on;
  // otherwise the exit code, after list_if_requested() or "TOOL: REASON" on
  // stderr for an unknown name (kExitBadInput).
  std::optional<int> resolve(std::string_view tool, DefectSet& defects) const;

  // On --list-defects, prints the catalog on stdout and returns kExitClean.
  std::optional<int> list_if_requested() const;
  // The names as given.
  const std::vector<std::string>& names() const { return names_; }

  // For a program whose own parser reads the rest of the command line
  // (vigil-bench and Google Benchmark's flags): parses the defect options
  // out of argv, leaves every other argument in order (argc shrinks), then
  // resolves as above.
  std::optional<int> take_from(int& argc, char** argv, std::string_view tool, DefectSet& defects);

 private:
  std::vector<std::string> names_;
  bool list_ = false;
};

}  // namespace vigil::harness
