// The README's defect table is the catalog's: one row per defect, with the
// catalog's name, bug and tools, so that the user's guide cannot drift from
// what `--list-defects` prints.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "vigil/harness/defects.hpp"

namespace vigil::harness {
namespace {

std::string readme() {
  std::ifstream in(VIGIL_README_PATH);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ReadmeCatalog, EveryDefectHasItsCatalogRow) {
  const std::string text = readme();
  ASSERT_FALSE(text.empty()) << "cannot read " << VIGIL_README_PATH;
  for (const DefectInfo& info : defect_catalog()) {
    const std::string row = "| " + std::string(info.name) + " | " + std::string(info.bug) + " | " +
                            format_flagged_by(info) + " |\n";
    EXPECT_NE(text.find(row), std::string::npos) << "README.md lacks the row\n" << row;
  }
}

TEST(ReadmeCatalog, TheTableHasNoOtherRows) {
  const std::string text = readme();
  const std::string header = "| name | the bug | flagged by |\n|---|---|---|\n";
  const auto at = text.find(header);
  ASSERT_NE(at, std::string::npos) << "README.md lacks the defect table header";
  std::istringstream rows(text.substr(at + header.size()));
  std::size_t count = 0;
  for (std::string line; std::getline(rows, line) && line.starts_with("| ");) ++count;
  EXPECT_EQ(count, defect_catalog().size());
}

}  // namespace
}  // namespace vigil::harness
