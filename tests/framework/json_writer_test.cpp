#include "vigil/framework/text/json_writer.hpp"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vigil::framework {
namespace {

TEST(JsonWriter, RendersNestedValuesWithCommas) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("message", "hello")
      .field("count", 3)
      .field("ok", true)
      .key("items")
      .begin_array()
      .value(1)
      .value("two")
      .null()
      .begin_object()
      .end_object()
      .end_array()
      .key("empty")
      .begin_array()
      .end_array()
      .end_object();
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(out, R"({"message":"hello","count":3,"ok":true,"items":[1,"two",null,{}],"empty":[]})");
}

TEST(JsonWriter, EscapesStringsPerRfc8259) {
  std::string out;
  JsonWriter(out).value(std::string_view("q\"b\\n\n\t\r\b\f\x01\x1f/\xc3\xa9"));
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f/\xc3\xa9\"");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), std::string("q\"b\\n\n\t\r\b\f\x01\x1f/\xc3\xa9"));
}

TEST(JsonWriter, NumbersRoundTrip) {
  std::string out;
  JsonWriter w(out);
  w.begin_array()
      .value(std::numeric_limits<std::int64_t>::min())
      .value(std::numeric_limits<std::uint64_t>::max())
      .value(0.1)
      .value(-2.5e-300)
      .value(std::nan(""))
      .value(std::numeric_limits<double>::infinity())
      .end_array();
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j[0].get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(j[1].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(j[2].get<double>(), 0.1);
  EXPECT_EQ(j[3].get<double>(), -2.5e-300);
  EXPECT_TRUE(j[4].is_null());
  EXPECT_TRUE(j[5].is_null());
}

TEST(JsonWriter, AppendsToExistingText) {
  std::string out = "prefix:";
  JsonWriter(out).value(7);
  EXPECT_EQ(out, "prefix:7");
}

TEST(JsonWriter, RejectsMisuse) {
  std::string out;
  {
    JsonWriter w(out);
    w.begin_object();
    EXPECT_THROW(w.value(1), std::logic_error);  // value without key
  }
  {
    JsonWriter w(out);
    w.begin_array();
    EXPECT_THROW(w.key("k"), std::logic_error);
    EXPECT_THROW(w.end_object(), std::logic_error);
  }
  {
    JsonWriter w(out);
    w.value(1);
    EXPECT_THROW(w.value(2), std::logic_error);  // second root
    EXPECT_THROW(w.end_array(), std::logic_error);
  }
  {
    JsonWriter w(out);
    for (std::size_t i = 0; i < JsonWriter::kMaxDepth; ++i) w.begin_array();
    EXPECT_THROW(w.begin_array(), std::length_error);
  }
}

TEST(JsonWriter, OutputOfALargeDocumentParses) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("users").begin_array();
  for (int i = 0; i < 100; ++i) {
    w.begin_object().field("id", i).field("name", "user \"" + std::to_string(i) + "\"").field("score", i * 0.5).end_object();
  }
  w.end_array().end_object();
  const auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j["users"].size(), 100u);
  EXPECT_EQ(j["users"][42]["name"], "user \"42\"");
  EXPECT_EQ(j["users"][43]["score"], 21.5);
}

}  // namespace
}  // namespace vigil::framework
