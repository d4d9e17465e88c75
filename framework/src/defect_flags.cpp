#include "vigil/framework/defect_flags.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>

#include "vigil/reports/report.hpp"
#include "vigil/reports/tool_cli.hpp"

namespace vigil::framework {

void DefectFlags::add_to(CLI::App& app, const Help& help) {
  app.add_option("--defect", names_, help.defect);
  app.add_flag("--list-defects", list_, help.list);
}

std::optional<int> DefectFlags::list_if_requested() const {
  if (!list_) return std::nullopt;
  std::fputs(format_defect_catalog().c_str(), stdout);
  return reports::kExitClean;
}

std::optional<int> DefectFlags::resolve(std::string_view tool, DefectSet& defects) const {
  if (auto exit = list_if_requested()) return exit;
  std::string error;
  const auto parsed = DefectSet::parse(names_, error);
  if (!parsed) return reports::bad_input(tool, error);
  defects = *parsed;
  return std::nullopt;
}

}  // namespace vigil::framework
