#include "vigil/harness/defects.hpp"

#include <gtest/gtest.h>

namespace vigil::harness {
namespace {

using namespace framework;

TEST(Defects, EveryCatalogNameRoundTrips) {
  ASSERT_EQ(defect_catalog().size(), 9u);
  for (const auto& info : defect_catalog()) {
    auto parsed = parse_defect(info.name);
    ASSERT_TRUE(parsed.has_value()) << info.name;
    EXPECT_EQ(*parsed, info.value);
    EXPECT_EQ(defect_name(info.value), info.name);
  }
}

TEST(Defects, SetParsesNamesAndRejectsUnknown) {
  std::string error;
  std::vector<std::string> names{"pool-mutex", "thread-leak"};
  auto set = DefectSet::parse(names, error);
  ASSERT_TRUE(set.has_value());
  EXPECT_TRUE(set->has(Defect::PoolMutex));
  EXPECT_TRUE(set->has(Defect::ThreadLeak));
  EXPECT_FALSE(set->has(Defect::PoolNoReuse));
  EXPECT_EQ(set->names(), (std::vector<std::string>{"pool-mutex", "thread-leak"}));

  std::vector<std::string> bad{"no-such-bug"};
  EXPECT_FALSE(DefectSet::parse(bad, error).has_value());
  EXPECT_NE(error.find("no-such-bug"), std::string::npos);
}

TEST(Defects, EmptySetIsAllOff) {
  DefectSet set;
  EXPECT_TRUE(set.empty());
  for (const auto& info : defect_catalog()) EXPECT_FALSE(set.has(info.value));
}

}  // namespace
}  // namespace vigil::harness
