#pragma once
// The --defect NAME (repeatable) and --list-defects options of every tool
// that runs the core, from registration to the parsed DefectSet:
//
//   DefectFlags defect_flags;
//   defect_flags.add_to(app);
//   if (auto exit = reports::parse_command_line(app, argc, argv, "vigil-x")) return *exit;
//   if (auto exit = defect_flags.resolve("vigil-x", options.defects)) return *exit;

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/defects.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace vigil::framework {

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
  // The names as given, for tools that parse them later.
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  bool list_ = false;
};

}  // namespace vigil::framework
