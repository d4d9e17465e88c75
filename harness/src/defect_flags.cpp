#include "vigil/harness/defect_flags.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>

#include "vigil/harness/tool_cli.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::harness {

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
  if (!parsed) return bad_input(tool, error);
  defects = *parsed;
  return std::nullopt;
}

std::optional<int> DefectFlags::take_from(int& argc, char** argv, std::string_view tool, DefectSet& defects) {
  CLI::App app;
  app.allow_extras();
  app.set_help_flag();  // --help belongs to the program's own parser
  add_to(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return bad_input(tool, e.what());
  }
  // The arguments CLI11 did not take, in order, as the original pointers.
  const std::vector<std::string> rest = app.remaining();
  int kept = 1;
  std::size_t next = 0;
  for (int i = 1; i < argc && next < rest.size(); ++i) {
    if (rest[next] == argv[i]) {
      argv[kept++] = argv[i];
      ++next;
    }
  }
  argc = kept;
  return resolve(tool, defects);
}

}  // namespace vigil::harness
