// What the generator sends and how it reads answers: request lines and
// their files, the response parser on any split of the bytes, loopback-only
// targets, and the quantities of the command line.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"
#include "vigil/harness/load/quantity.hpp"
#include "vigil/harness/load/request_mix.hpp"
#include "vigil/harness/load/response_parser.hpp"
#include "vigil/harness/load/target.hpp"

namespace {

using namespace vigil::harness::load;
using Result = ResponseParser::Result;

struct Parsed {
  std::vector<int> statuses;
  std::vector<std::string> bodies;
  bool error = false;
};

// Feeds `bytes` in pieces of `piece` bytes; `heads` says which responses
// answer a HEAD request.
Parsed parse_all(const std::string& bytes, std::size_t piece, std::vector<bool> heads = {}) {
  ResponseParser parser(1024);
  Parsed out;
  std::size_t at = 0, answered = 0;
  while (at < bytes.size()) {
    std::string_view chunk = std::string_view(bytes).substr(at, piece);
    at += chunk.size();
    while (!chunk.empty()) {
      if (!parser.in_progress()) parser.expect(answered < heads.size() && heads[answered]);
      std::size_t used = 0;
      const Result r = parser.feed(chunk, used);
      chunk.remove_prefix(used);
      if (r == Result::Error) {
        out.error = true;
        return out;
      }
      if (r == Result::NeedMore) break;
      out.statuses.push_back(parser.status());
      out.bodies.emplace_back(parser.body());
      ++answered;
    }
  }
  if (parser.finish() == Result::Complete) {
    out.statuses.push_back(parser.status());
    out.bodies.emplace_back(parser.body());
  }
  return out;
}

TEST(ResponseParser, PipelinedResponsesInAnySplit) {
  const std::string bytes =
      "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!"
      "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nHello\r\n8\r\n, World!\r\n0\r\nX-T: 1\r\n\r\n"
      "HTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"  // answers a HEAD: no body
      "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad";
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{64},
                            bytes.size()}) {
    const Parsed p = parse_all(bytes, piece, {false, false, false, false, true, false});
    ASSERT_FALSE(p.error) << piece;
    EXPECT_EQ(p.statuses, (std::vector<int>{200, 404, 200, 204, 200, 500})) << piece;
    EXPECT_EQ(p.bodies[0], "Hello, World!");
    EXPECT_EQ(p.bodies[2], "Hello, World!");
    EXPECT_EQ(p.bodies[5], "bad");
  }
}

TEST(ResponseParser, ConnectionCloseAndBodiesToEndOfFile) {
  ResponseParser parser;
  std::size_t used = 0;
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n", used),
            Result::Complete);
  EXPECT_TRUE(parser.closes());
  EXPECT_EQ(parser.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", used), Result::Complete);
  EXPECT_TRUE(parser.closes());  // HTTP/1.0 without keep-alive
  const Parsed p = parse_all("HTTP/1.1 200 OK\r\n\r\nuntil the end", 5);
  ASSERT_EQ(p.statuses.size(), 1u);
  EXPECT_EQ(p.bodies[0], "until the end");
}

TEST(ResponseParser, MalformedResponsesAreErrors) {
  for (const char* bad : {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "garbage\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                          "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"}) {
    EXPECT_TRUE(parse_all(bad, 4).error) << bad;
  }
  // Cut off in the middle of a body.
  ResponseParser parser;
  std::size_t used = 0;
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", used), Result::NeedMore);
  EXPECT_EQ(parser.finish(), Result::Error);
  // A head that never ends is bounded.
  ResponseParser endless;
  const std::string header = "X-Long: " + std::string(100'000, 'a');
  EXPECT_EQ(endless.feed("HTTP/1.1 200 OK\r\n" + header, used), Result::Error);
}

TEST(RequestMix, FillsParametersAndKeepsTheRest) {
  RequestMix mix({{"GET", "/users/:id/repos/*path?x=1", 1}}, {{"X-Test: yes"}, "", "127.0.0.1:8080", 5});
  SplitMix64 random(1);
  std::string out;
  EXPECT_FALSE(mix.append_next(out, random));
  const std::string tail = " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Test: yes\r\n\r\n";
  ASSERT_GT(out.size(), tail.size());
  EXPECT_EQ(out.substr(out.size() - tail.size()), tail);
  const std::string line = out.substr(0, out.size() - tail.size());
  ASSERT_EQ(line.substr(0, 11), "GET /users/") << line;
  const std::size_t repos = line.find("/repos/");
  ASSERT_NE(repos, std::string::npos) << line;
  const int id = std::stoi(line.substr(11, repos - 11));
  EXPECT_GE(id, 1);
  EXPECT_LE(id, 5);
  EXPECT_EQ(line.substr(line.size() - 4), "?x=1") << line;
}

TEST(RequestMix, WeightsDecideTheShare) {
  RequestMix mix({{"GET", "/a", 3}, {"HEAD", "/b", 1}}, {{}, "body", "h:1", 10});
  SplitMix64 random(42);
  int a = 0, heads = 0;
  for (int i = 0; i < 40'000; ++i) {
    std::string out;
    heads += mix.append_next(out, random);
    a += out.rfind("GET /a ", 0) == 0;
    ASSERT_NE(out.find("Content-Length: 4\r\n\r\nbody"), std::string::npos);
  }
  EXPECT_NEAR(a / 40'000.0, 0.75, 0.01);
  EXPECT_EQ(a + heads, 40'000);
}

TEST(RequestMix, BadShapesAreRefused) {
  EXPECT_THROW(RequestMix({}, {}), std::invalid_argument);
  EXPECT_THROW(RequestMix({{"get", "/", 1}}, {}), std::invalid_argument);
  EXPECT_THROW(RequestMix({{"GET", "nopath", 1}}, {}), std::invalid_argument);
  EXPECT_THROW(RequestMix({{"GET", "/", 0}}, {}), std::invalid_argument);
  EXPECT_THROW(RequestMix({{"GET", "/", 1}}, {{"Bad Header"}, "", "h", 1}), std::invalid_argument);
  EXPECT_THROW(RequestMix({{"GET", "/", 1}}, {{"X: a\r\nY: b"}, "", "h", 1}), std::invalid_argument);
}

TEST(RequestLines, FileFormatWithLineNumbersInErrors) {
  vigil::test::ScratchDir dir("vigil-load-lines");
  const auto good = dir.write("good.txt", "# comment\n\nGET /users/:user 3\n/json\nPOST /echo\r\nDELETE /x 0.5\n");
  auto lines = std::get<std::vector<RequestLine>>(load_request_lines(good, "PUT"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].method, "GET");
  EXPECT_EQ(lines[0].weight, 3);
  EXPECT_EQ(lines[1].method, "PUT");
  EXPECT_EQ(lines[1].path, "/json");
  EXPECT_EQ(lines[2].path, "/echo");
  EXPECT_EQ(lines[3].weight, 0.5);
  for (const auto& [content, fragment] : std::vector<std::pair<std::string, std::string>>{
           {"GET /a 1\nGET\n", ":2: no path"},
           {"GET users\n", ":1: path \"users\""},
           {"GET /a -1\n", ":1: weight"},
           {"GET /a 1 extra\n", ":1: expected"},
           {"# only comments\n", "no requests"}}) {
    const auto f = dir.write("bad.txt", content);
    auto r = load_request_lines(f, "GET");
    ASSERT_TRUE(std::holds_alternative<std::string>(r)) << content;
    EXPECT_NE(std::get<std::string>(r).find(fragment), std::string::npos) << std::get<std::string>(r);
  }
  EXPECT_TRUE(std::holds_alternative<std::string>(load_request_lines(dir / "missing.txt", "GET")));
}

TEST(RequestLines, TheGithubRouteSetLoads) {
  auto lines = load_request_lines(VIGIL_GITHUB_ROUTES, "GET");
  ASSERT_TRUE(std::holds_alternative<std::vector<RequestLine>>(lines)) << std::get<std::string>(lines);
  EXPECT_EQ(std::get<std::vector<RequestLine>>(lines).size(), 203u);
  EXPECT_NO_THROW(RequestMix(std::get<std::vector<RequestLine>>(lines), {{}, "", "h:1", 100}));
}

TEST(Target, OnlyLoopbackAddresses) {
  for (const char* url : {"http://127.0.0.1:8080/", "http://127.0.0.1/x?y=1", "http://[::1]:81/", "http://localhost:9/",
                          "http://127.1.2.3:1"}) {
    auto t = parse_target(url);
    ASSERT_TRUE(std::holds_alternative<Target>(t)) << url << ": " << std::get<std::string>(t);
  }
  const Target t = std::get<Target>(parse_target("http://127.0.0.1:8080/x?y=1"));
  EXPECT_EQ(t.port, 8080);
  EXPECT_EQ(t.path, "/x?y=1");
  EXPECT_EQ(t.host_header(), "127.0.0.1:8080");
  EXPECT_EQ(std::get<Target>(parse_target("http://127.0.0.1")).path, "/");
  for (const char* url : {"http://10.0.0.1/", "http://8.8.8.8:80/", "http://[2001:db8::1]/", "http://0.0.0.0:80/"}) {
    auto r = parse_target(url);
    ASSERT_TRUE(std::holds_alternative<std::string>(r)) << url;
    EXPECT_NE(std::get<std::string>(r).find("not a loopback address"), std::string::npos) << std::get<std::string>(r);
  }
  for (const char* url : {"https://127.0.0.1/", "127.0.0.1:80", "http://127.0.0.1:0/", "http://127.0.0.1:70000/",
                          "http://127.0.0.1:x/", "http:///", "http://user@127.0.0.1/", "http://[::1/"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_target(url))) << url;
  }
}

TEST(Quantity, DurationsSharesAndNumbers) {
  using namespace std::chrono_literals;
  auto d = [](const char* text) { return parse_duration(text, 1ns, 24h); };
  EXPECT_EQ(std::get<std::chrono::nanoseconds>(d("30s")), 30s);
  EXPECT_EQ(std::get<std::chrono::nanoseconds>(d("2m")), 120s);
  EXPECT_EQ(std::get<std::chrono::nanoseconds>(d("250ms")), 250ms);
  EXPECT_EQ(std::get<std::chrono::nanoseconds>(d("1.5")), 1500ms);
  EXPECT_EQ(std::get<std::chrono::nanoseconds>(d("1h")), 1h);
  for (const char* bad : {"", "-1s", "0", "abc", "10 s", "3d", "nan", "inf", "1e300s", "25h"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(d(bad))) << bad;
  }
  EXPECT_DOUBLE_EQ(std::get<double>(parse_share("5%", 1)), 0.05);
  EXPECT_DOUBLE_EQ(std::get<double>(parse_share("0.05", 1)), 0.05);
  for (const char* bad : {"-5%", "150%", "x", "5%%", "nan"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_share(bad, 1))) << bad;
  }
  EXPECT_EQ(std::get<double>(parse_number("1e3", 1, 1e6)), 1000);
  for (const char* bad : {"0", "-1", "1e7", "1k", "", "inf"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_number(bad, 1, 1e6))) << bad;
  }
}

}  // namespace
