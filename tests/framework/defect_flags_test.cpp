#include "vigil/framework/defect_flags.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "vigil/reports/report.hpp"

namespace vigil::framework {
namespace {

void parse(CLI::App& app, std::vector<const char*> args) {
  args.insert(args.begin(), "vigil-x");
  app.parse(static_cast<int>(args.size()), args.data());
}

TEST(DefectFlags, RepeatedDefectsMakeOneSet) {
  CLI::App app;
  DefectFlags flags;
  flags.add_to(app);
  parse(app, {"--defect", "pool-mutex", "--defect", "event-pool-leak"});
  DefectSet defects;
  EXPECT_FALSE(flags.resolve("vigil-x", defects));
  EXPECT_TRUE(defects.has(Defect::PoolMutex));
  EXPECT_TRUE(defects.has(Defect::EventPoolLeak));
  EXPECT_FALSE(defects.has(Defect::PoolNoReuse));
  EXPECT_EQ(flags.names(), (std::vector<std::string>{"pool-mutex", "event-pool-leak"}));
}

TEST(DefectFlags, NoDefectIsTheEmptySet) {
  CLI::App app;
  DefectFlags flags;
  flags.add_to(app);
  parse(app, {});
  DefectSet defects;
  defects.enable(Defect::ThreadLeak);
  EXPECT_FALSE(flags.resolve("vigil-x", defects));
  EXPECT_TRUE(defects.empty());
  EXPECT_FALSE(flags.list_if_requested());
}

TEST(DefectFlags, UnknownDefectIsOneLineOnStderrAndBadInput) {
  CLI::App app;
  DefectFlags flags;
  flags.add_to(app);
  parse(app, {"--defect", "no-such-defect"});
  DefectSet defects;
  ::testing::internal::CaptureStderr();
  const auto exit = flags.resolve("vigil-x", defects);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(exit);
  EXPECT_EQ(*exit, reports::kExitBadInput);
  EXPECT_EQ(err.rfind("vigil-x: ", 0), 0u) << err;
  EXPECT_NE(err.find("no-such-defect"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST(DefectFlags, ListPrintsTheCatalogAndExitsClean) {
  CLI::App app;
  DefectFlags flags;
  flags.add_to(app);
  parse(app, {"--list-defects", "--defect", "no-such-defect"});
  DefectSet defects;
  ::testing::internal::CaptureStdout();
  const auto exit = flags.resolve("vigil-x", defects);
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(exit);
  EXPECT_EQ(*exit, reports::kExitClean);
  EXPECT_EQ(out, format_defect_catalog());
}

TEST(DefectFlags, HelpTextIsTheToolsOwn) {
  CLI::App app;
  DefectFlags flags;
  flags.add_to(app, {"Turn a bug on", "Show the bugs"});
  const std::string help = app.help();
  EXPECT_NE(help.find("Turn a bug on"), std::string::npos) << help;
  EXPECT_NE(help.find("Show the bugs"), std::string::npos) << help;
  EXPECT_NE(help.find("--list-defects"), std::string::npos) << help;
}

}  // namespace
}  // namespace vigil::framework
