// The degradation finding names the functions whose share of the server's
// CPU samples grew from the first judged window to the last, by the same
// test `vigil-report diff` uses; noise names none, and without a
// degradation finding nothing is claimed.
#include <gtest/gtest.h>

#include "vigil/harness/load/grown_functions.hpp"
#include "vigil/reports/profile_io.hpp"

namespace vigil::harness::load {
namespace {

namespace rp = vigil::reports;

rp::Finding finding_of(const char* kind) {
  rp::Finding f;
  f.kind = kind;
  f.message = "the server degrades under load: throughput fell 20.0%";
  return f;
}

// 3000 samples each; the pool's scan takes 20 points from parsing.
const rp::Profile kFirst = rp::from_folded(
    "main;loop;handle;parse 1500\n"
    "main;loop;handle;route 1000\n"
    "main;loop;handle;pool_acquire;pool_scan 150\n"
    "main;loop;epoll_wait 350\n");
const rp::Profile kLast = rp::from_folded(
    "main;loop;handle;parse 900\n"
    "main;loop;handle;route 1000\n"
    "main;loop;handle;pool_acquire;pool_scan 750\n"
    "main;loop;epoll_wait 350\n");

TEST(GrownFunctions, NamesWhatGrewInTheDegradationFinding) {
  std::vector<rp::Finding> findings = {finding_of("rss-growth"), finding_of("degradation")};
  name_grown_functions(findings, kFirst, kLast);
  const rp::Finding& f = findings[1];
  EXPECT_NE(f.message.find("(3000 -> 3000 samples)"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("pool_scan: self 5.0% -> 25.0%"), std::string::npos) << f.message;
  // Its caller grew in total share; parsing shrank and is not named.
  EXPECT_NE(f.message.find("pool_acquire: self 0.0% -> 0.0%"), std::string::npos) << f.message;
  EXPECT_EQ(f.message.find("parse"), std::string::npos) << f.message;
  ASSERT_EQ(f.extra.at("grown_functions").size(), 2u) << f.extra.dump();
  EXPECT_EQ(f.extra["grown_functions"][0]["function"], "pool_scan");
  EXPECT_DOUBLE_EQ(f.extra["grown_functions"][0]["self_share_last"].get<double>(), 0.25);
  EXPECT_EQ(f.extra["profile_samples"]["last_window"], 3000);
  // Other findings are left as they were.
  EXPECT_EQ(findings[0].message, finding_of("rss-growth").message);
  EXPECT_TRUE(findings[0].extra.empty());
}

TEST(GrownFunctions, NoiseNamesNothing) {
  const rp::Profile again = rp::from_folded(
      "main;loop;handle;parse 1512\n"
      "main;loop;handle;route 990\n"
      "main;loop;handle;pool_acquire;pool_scan 141\n"
      "main;loop;epoll_wait 357\n");
  EXPECT_TRUE(grown_functions(kFirst, again).empty());
  std::vector<rp::Finding> findings = {finding_of("degradation")};
  name_grown_functions(findings, kFirst, again);
  EXPECT_NE(findings[0].message.find("no function's share of the server's CPU samples grew beyond sampling noise"),
            std::string::npos)
      << findings[0].message;
  EXPECT_TRUE(findings[0].extra.at("grown_functions").empty());
}

TEST(GrownFunctions, NothingClaimedWithoutADegradation) {
  std::vector<rp::Finding> findings = {finding_of("machine-busy"), finding_of("errors")};
  name_grown_functions(findings, kFirst, kLast);
  for (const auto& f : findings) {
    EXPECT_EQ(f.message, finding_of("errors").message);
    EXPECT_TRUE(f.extra.empty()) << f.kind;
  }
}

TEST(GrownFunctions, NamesAtMostTheFirstFewAndCountsTheRest) {
  std::vector<rp::Finding> findings = {finding_of("degradation")};
  name_grown_functions(findings, kFirst, kLast, 1);
  EXPECT_NE(findings[0].message.find("2 function(s) grew: pool_scan"), std::string::npos) << findings[0].message;
  EXPECT_NE(findings[0].message.find("; and 1 more"), std::string::npos) << findings[0].message;
  EXPECT_EQ(findings[0].extra.at("grown_functions").size(), 2u);
}

}  // namespace
}  // namespace vigil::harness::load
