// Profiles in the report envelope: round trip, compact frame table, and one
// line naming the problem for each kind of bad profile.
#include <gtest/gtest.h>

#include "profile_fixtures.hpp"
#include "vigil/reports/profile_io.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::reports {
namespace {

using nlohmann::json;

Report report_with_profile() {
  Report r = make_report("profile");
  r.set_metric("profile.samples", 100, "samples", Better::None);
  r.profiles["profile"] = test::server_profile();
  return r;
}

bool same_frame(const Frame& a, const Frame& b) {
  return a.function == b.function && a.file == b.file && a.line == b.line && a.module == b.module &&
         a.offset == b.offset && a.inlined == b.inlined;
}

void expect_same_profile(const Profile& got, const Profile& want) {
  EXPECT_EQ(got.unit, want.unit);
  EXPECT_DOUBLE_EQ(got.period_seconds, want.period_seconds);
  EXPECT_EQ(got.threads, want.threads);
  ASSERT_EQ(got.stacks.size(), want.stacks.size());
  for (std::size_t i = 0; i < want.stacks.size(); ++i) {
    EXPECT_EQ(got.stacks[i].samples, want.stacks[i].samples);
    ASSERT_EQ(got.stacks[i].frames.size(), want.stacks[i].frames.size());
    for (std::size_t k = 0; k < want.stacks[i].frames.size(); ++k) {
      EXPECT_TRUE(same_frame(got.stacks[i].frames[k], want.stacks[i].frames[k])) << i << " " << k;
    }
  }
}

TEST(ProfileJson, RoundTrips) {
  const Report r = report_with_profile();
  const Report back = from_json(json::parse(to_json(r).dump(2)));
  ASSERT_EQ(back.profiles.size(), 1u);
  EXPECT_EQ(back.profiles.at("profile").threads, 2u);
  expect_same_profile(back.profiles.at("profile"), r.profiles.at("profile"));
}

TEST(ProfileJson, FramesAreInternedOnce) {
  const json j = to_json(report_with_profile());
  const json& p = j["profiles"]["profile"];
  // 6 distinct frames over 4 stacks of 14 frames in all.
  EXPECT_EQ(p["frames"].size(), 6u);
  EXPECT_EQ(p["stacks"][0]["frames"], json::array({0, 1, 2, 3}));
  EXPECT_EQ(p["stacks"][2]["frames"], json::array({0, 1, 4}));
  EXPECT_EQ(p["stacks"][0]["samples"], 40);
  EXPECT_TRUE(p["frames"][3]["inlined"].get<bool>());
}

TEST(ProfileJson, WrittenOnlyWhenPresent) {
  Report r = make_report("pool");
  EXPECT_FALSE(to_json(r).contains("profiles"));
  EXPECT_TRUE(from_json(to_json(r)).profiles.empty());
}

std::string profile_problem_after(void (*mutate)(json&)) {
  json j = to_json(report_with_profile());
  mutate(j);
  return validate(j).value_or("");
}

TEST(ProfileJson, BadProfilesAreRefusedWithOneLineReasons) {
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"] = json::array(); }), "profiles: expected an object, got array");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"] = 3; }),
            "profiles.profile: expected an object, got number");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"].erase("stacks"); }),
            "profiles.profile: missing required key \"stacks\"");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"]["frames"] = "main"; }),
            "profiles.profile.frames: expected an array, got string");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"]["frames"][2]["line"] = "120"; }),
            "profiles.profile.frames[2].line: expected an integer, got string");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"]["stacks"][1]["frames"][2] = 6; }),
            "profiles.profile.stacks[1].frames[2]: expected an index below 6 (the size of profiles.profile.frames), "
            "got 6");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"]["stacks"][1]["frames"][0] = -1; }),
            "profiles.profile.stacks[1].frames[0]: expected an index below 6 (the size of profiles.profile.frames), "
            "got -1");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"]["stacks"][0]["frames"] = json::array(); }),
            "profiles.profile.stacks[0].frames: expected a non-empty array of indexes into profiles.profile.frames");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"]["stacks"][3]["samples"] = -5; }),
            "profiles.profile.stacks[3].samples: expected a non-negative integer");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"]["stacks"][3]["samples"] = 1.5; }),
            "profiles.profile.stacks[3].samples: expected a non-negative integer");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"]["period_seconds"] = -1; }),
            "profiles.profile.period_seconds: expected a non-negative number, got -1");
  EXPECT_EQ(profile_problem_after([](json& j) { j["profiles"]["profile"]["threads"] = "two"; }),
            "profiles.profile.threads: expected a non-negative integer, got \"two\"");
  json bad = to_json(report_with_profile());
  bad["profiles"]["profile"]["stacks"][1]["frames"][2] = 99;
  EXPECT_THROW(from_json(bad), ReportError);
}

// The text form a server answers and vigil-load reads: the same entry, every
// frame field kept.
TEST(ProfileJson, TextFormReadsBackAndRefusesBadText) {
  const Profile want = test::server_profile();
  const std::string text = to_profile_json(want);
  EXPECT_EQ(json::parse(text), to_json(report_with_profile())["profiles"]["profile"]);
  expect_same_profile(from_profile_json(text), want);
  for (const char* bad : {"", "main;serve 3", "{\"frames\": [], \"stacks\": [{\"frames\": [0], \"samples\": 1}]}"}) {
    EXPECT_THROW(from_profile_json(bad), ReportError) << bad;
  }
}

}  // namespace
}  // namespace vigil::reports
