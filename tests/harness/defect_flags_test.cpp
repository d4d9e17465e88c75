#include "vigil/harness/defect_flags.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "vigil/reports/report.hpp"

namespace vigil::harness {
namespace {

using namespace framework;

// A tool with nothing but the defect options, parsed from `args`.
class DefectFlagsTest : public ::testing::Test {
 protected:
  void parse(std::vector<const char*> args) {
    flags_.add_to(app_);
    args.insert(args.begin(), "vigil-x");
    app_.parse(static_cast<int>(args.size()), args.data());
  }

  CLI::App app_;
  DefectFlags flags_;
  DefectSet defects_;
};

TEST_F(DefectFlagsTest, RepeatedDefectsMakeOneSet) {
  parse({"--defect", "pool-mutex", "--defect", "event-pool-leak"});
  EXPECT_FALSE(flags_.resolve("vigil-x", defects_));
  EXPECT_TRUE(defects_.has(Defect::PoolMutex));
  EXPECT_TRUE(defects_.has(Defect::EventPoolLeak));
  EXPECT_FALSE(defects_.has(Defect::PoolNoReuse));
  EXPECT_EQ(flags_.names(), (std::vector<std::string>{"pool-mutex", "event-pool-leak"}));
}

TEST_F(DefectFlagsTest, NoDefectIsTheEmptySet) {
  parse({});
  defects_.enable(Defect::ThreadLeak);
  EXPECT_FALSE(flags_.resolve("vigil-x", defects_));
  EXPECT_TRUE(defects_.empty());
  EXPECT_FALSE(flags_.list_if_requested());
}

TEST_F(DefectFlagsTest, UnknownDefectIsOneLineOnStderrAndBadInput) {
  parse({"--defect", "no-such-defect"});
  ::testing::internal::CaptureStderr();
  const auto exit = flags_.resolve("vigil-x", defects_);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(exit);
  EXPECT_EQ(*exit, reports::kExitBadInput);
  EXPECT_EQ(err.rfind("vigil-x: ", 0), 0u) << err;
  EXPECT_NE(err.find("no-such-defect"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_F(DefectFlagsTest, ListPrintsTheCatalogAndExitsClean) {
  parse({"--list-defects", "--defect", "no-such-defect"});
  ::testing::internal::CaptureStdout();
  const auto exit = flags_.resolve("vigil-x", defects_);
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
}  // namespace vigil::harness
