#include "vigil/framework/text/query.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::framework {
namespace {

TEST(SplitTarget, SeparatesPathQueryAndFragment) {
  auto t = split_target("/a/b?x=1&y=2#top");
  EXPECT_EQ(t.path, "/a/b");
  EXPECT_EQ(t.query, "x=1&y=2");
  t = split_target("/plain");
  EXPECT_EQ(t.path, "/plain");
  EXPECT_EQ(t.query, "");
  t = split_target("/q?");
  EXPECT_EQ(t.path, "/q");
  EXPECT_EQ(t.query, "");
}

TEST(ParseQuery, DecodesNamesAndValues) {
  const std::string query = "a=1&b=x%20y&c+d=e+f&empty=&flag&&%41=%2fz";
  std::vector<char> storage(query.size());
  QueryParams q;
  ASSERT_EQ(parse_query(query, storage, q), QueryStatus::Ok);
  ASSERT_EQ(q.size(), 6u);
  EXPECT_EQ(q.get("a"), "1");
  EXPECT_EQ(q.get("b"), "x y");
  EXPECT_EQ(q.get("c d"), "e f");
  EXPECT_EQ(q.get("empty"), "");
  EXPECT_EQ(q.get("flag"), "");
  EXPECT_EQ(q.get("A"), "/z");
  EXPECT_FALSE(q.get("zzz"));
  EXPECT_EQ(q[0].name, "a");
}

TEST(ParseQuery, KeepsRepeatedNamesInOrder) {
  const std::string query = "t=1&t=2";
  std::vector<char> storage(query.size());
  QueryParams q;
  ASSERT_EQ(parse_query(query, storage, q), QueryStatus::Ok);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q.get("t"), "1");
  EXPECT_EQ(q[1].value, "2");
}

TEST(ParseQuery, RefusesBadEscapesAndTooManyParameters) {
  std::vector<char> storage(256);
  QueryParams q;
  EXPECT_EQ(parse_query("a=%zz", storage, q), QueryStatus::BadEscape);
  EXPECT_EQ(parse_query("a=%4", storage, q), QueryStatus::BadEscape);
  EXPECT_EQ(parse_query("a%=1", storage, q), QueryStatus::BadEscape);
  std::string many;
  for (std::size_t i = 0; i <= QueryParams::kCapacity; ++i) many += "k=v&";
  EXPECT_EQ(parse_query(many, storage, q), QueryStatus::TooManyParams);
  std::vector<char> tiny(2);
  EXPECT_EQ(parse_query("abc=1", tiny, q), QueryStatus::StorageTooSmall);
  EXPECT_EQ(to_string(QueryStatus::BadEscape), "malformed percent escape");
}

TEST(PercentDecode, DecodesEscapesAndPlus) {
  char out[16];
  auto n = percent_decode("a%2Bb+c%7e", out);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string_view(out, *n), "a+b c~");
  EXPECT_FALSE(percent_decode("%", out));
}

}  // namespace
}  // namespace vigil::framework
