// Folded stacks both ways, pprof's profile.proto read back by a reader of the
// test's own (and gzip -t), and shares by function.
#include "vigil/reports/profile_io.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"
#include "pprof_reader.hpp"
#include "profile_fixtures.hpp"
#include "vigil/reports/profile_shares.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::reports {
namespace {

std::string reason_of(std::string_view folded) {
  try {
    from_folded(folded);
  } catch (const ReportError& e) {
    return e.what();
  }
  return "";
}

TEST(Folded, WritesRootFirstMergedAndSorted) {
  Profile p = test::profile_of({{"main;serve;route", 30}, {"main;serve;parse", 25}, {"main;serve;route", 5}});
  p.stacks.push_back(test::stack_of("main;idle", 0));  // no samples: no line
  Frame odd;
  odd.function = "operator;weird\nname";
  p.stacks.push_back({{p.stacks[0].frames[0], odd}, 2});
  EXPECT_EQ(to_folded(p), "main;operator_weird_name 2\nmain;serve;parse 25\nmain;serve;route 35\n");
}

TEST(Folded, NamesUnsymbolizedFramesByModuleAndOffset) {
  Profile p;
  p.stacks.push_back({{Frame{"main", "", 0, "/bin/app", 0x10}, Frame{"", "", 0, "/usr/lib/libc.so.6", 0x19a0c0}}, 3});
  p.stacks.push_back({{Frame{"", "", 0, "", 0}}, 1});
  EXPECT_EQ(to_folded(p), "?? 1\nmain;libc.so.6+0x19a0c0 3\n");
}

TEST(Folded, ReadsBackWhatItWrites) {
  const Profile p = test::server_profile();
  const Profile back = from_folded(to_folded(p));
  EXPECT_EQ(to_folded(back), to_folded(p));
  EXPECT_EQ(total_samples(back), 100u);
  ASSERT_EQ(back.stacks.size(), 4u);
}

TEST(Folded, ReadsLooseInputAndMergesRepeats) {
  const Profile p = from_folded("\nmain;a 3\r\n  \nmain;b\t2\nmain;a 4\nmain;f(int, char) 1\n");
  ASSERT_EQ(p.stacks.size(), 3u);
  EXPECT_EQ(p.stacks[0].samples, 7u);
  EXPECT_EQ(p.stacks[2].frames[1].function, "f(int, char)");
  EXPECT_EQ(total_samples(p), 10u);
}

TEST(Folded, BadLinesAreNamed) {
  EXPECT_EQ(reason_of("main;a 3\nmain;b\n"), "line 2: expected \"frame;frame;... COUNT\", got no count");
  EXPECT_EQ(reason_of("main;a 3.5\n"), "line 1: expected a whole sample count at the end, got \"3.5\"");
  EXPECT_EQ(reason_of("main;a -2\n"), "line 1: expected a whole sample count at the end, got \"-2\"");
  EXPECT_EQ(reason_of("a 1\n\nmain;;a 3\n"), "line 3: empty frame name in \"main;;a\"");
  EXPECT_EQ(reason_of("a 1\n 5\n"), "line 2: empty frame name in \"\"");
}

TEST(Pprof, DecodesToTheSameStacks) {
  const Profile p = test::server_profile();
  const auto pprof = test::read_pprof(to_pprof_gz(p));
  ASSERT_EQ(pprof.sample_types.size(), 2u);
  EXPECT_EQ(pprof.sample_types[0], std::make_pair(std::string("samples"), std::string("count")));
  EXPECT_EQ(pprof.sample_types[1], std::make_pair(std::string("cpu"), std::string("nanoseconds")));
  EXPECT_EQ(pprof.period_type, std::make_pair(std::string("cpu"), std::string("nanoseconds")));
  EXPECT_EQ(pprof.period, 10101010u);  // 1/99 s
  ASSERT_EQ(pprof.samples.size(), p.stacks.size());
  for (std::size_t i = 0; i < p.stacks.size(); ++i) {
    std::vector<std::string> want;
    for (const auto& f : p.stacks[i].frames) want.push_back(frame_name(f));
    std::reverse(want.begin(), want.end());  // pprof: leaf first
    EXPECT_EQ(pprof.samples[i].functions, want) << i;
    EXPECT_EQ(pprof.samples[i].values,
              (std::vector<std::uint64_t>{p.stacks[i].samples, p.stacks[i].samples * 10101010u}));
  }
  EXPECT_EQ(pprof.mapping_files,
            (std::vector<std::string>{"/usr/bin/vigil-server", "/usr/lib/x86_64-linux-gnu/libc.so.6"}));
  // parse() with header_value<> inlined into it is one location of two lines,
  // innermost first; plain parse() (another line) is a location of its own.
  EXPECT_NE(std::find(pprof.location_lines.begin(), pprof.location_lines.end(), std::vector<std::int64_t>{31, 120}),
            pprof.location_lines.end());
  EXPECT_EQ(pprof.location_lines.size(), 6u);  // main, serve, parse+header, parse, route, memmove
}

TEST(Pprof, IsAValidGzipFile) {
  const std::string gzip_bin = "/usr/bin/gzip";
  if (!std::filesystem::exists(gzip_bin)) GTEST_SKIP() << "gzip is not installed";
  vigil::test::ScratchDir dir;
  const auto file = dir.write("cpu.pb.gz", to_pprof_gz(test::server_profile()));
  const auto result = vigil::test::run_tool(gzip_bin, {"-t", file.string()}, dir);
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST(Pprof, EmptyProfileIsStillAProfile) {
  const auto pprof = test::read_pprof(to_pprof_gz(Profile{}));
  EXPECT_TRUE(pprof.samples.empty());
  EXPECT_EQ(pprof.sample_types.size(), 2u);
}

TEST(Shares, SelfAndTotalByFunction) {
  const auto shares = function_shares(test::server_profile());
  ASSERT_EQ(shares.size(), 6u);
  EXPECT_EQ(shares[0].function, "vigil::http::header_value<char>");
  EXPECT_EQ(shares[0].self, 40u);
  EXPECT_EQ(shares[1].function, "vigil::Router::match(std::string_view) const");
  EXPECT_EQ(shares[1].self, 30u);
  EXPECT_EQ(shares[1].total, 35u);
  EXPECT_DOUBLE_EQ(shares[1].total_share, 0.35);
  const auto parse = std::find_if(shares.begin(), shares.end(), [](const FunctionShare& s) {
    return s.function == "vigil::http::parse(std::string_view)";
  });
  ASSERT_NE(parse, shares.end());
  EXPECT_EQ(parse->self, 25u);
  EXPECT_EQ(parse->total, 65u);
  // Equal self and total: by name, so main comes before serve, last.
  EXPECT_EQ(shares[4].function, "main");
  EXPECT_EQ(shares[4].self, 0u);
  EXPECT_DOUBLE_EQ(shares[4].total_share, 1.0);
  EXPECT_EQ(shares[5].function, "vigil::Server::serve()");
}

TEST(Shares, RecursionCountsOncePerStack) {
  const auto shares = function_shares(test::profile_of({{"main;walk;walk;walk;leaf", 10}, {"main;walk;walk", 5}}));
  const auto walk = std::find_if(shares.begin(), shares.end(), [](const FunctionShare& s) { return s.function == "walk"; });
  ASSERT_NE(walk, shares.end());
  EXPECT_EQ(walk->total, 15u);
  EXPECT_EQ(walk->self, 5u);
  EXPECT_DOUBLE_EQ(walk->total_share, 1.0);
}

}  // namespace
}  // namespace vigil::reports
