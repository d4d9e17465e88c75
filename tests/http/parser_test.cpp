#include "vigil/framework/http/parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vigil::framework::http {
namespace {

using namespace std::string_literals;

struct Outcome {
  ParseStatus status;
  int error = 0;
  std::string method, path, query, body;
  bool keep_alive = false;
  std::size_t consumed = 0;
  std::size_t buffered = 0;  // buffer size at the end (compaction shrinks it)
};

// Feeds `text` to a fresh parser in pieces of `step` bytes, the way a socket
// would deliver it, through a buffer that owns the bytes (chunked decoding
// writes to it).
Outcome parse_in_steps(const std::string& text, std::size_t step, const Limits& limits = {}) {
  RequestParser parser(limits);
  std::string buffer;
  ParseStatus status = ParseStatus::Incomplete;
  for (std::size_t pos = 0; pos < text.size() && status == ParseStatus::Incomplete;) {
    std::size_t n = std::min(step, text.size() - pos);
    buffer.append(text, pos, n);
    pos += n;
    status = parser.parse(buffer.data(), buffer.size());
    if (status == ParseStatus::Incomplete) {
      buffer.resize(buffer.size() - parser.compact(buffer.data(), buffer.size()));
    }
  }
  Outcome out;
  out.status = status;
  if (status == ParseStatus::Error) out.error = parser.error_status();
  if (status == ParseStatus::Complete) {
    const Request& r = parser.request();
    out.method = r.method;
    out.path = r.path;
    out.query = r.query;
    out.body = r.body;
    out.keep_alive = r.keep_alive;
    out.consumed = parser.consumed();
  }
  out.buffered = buffer.size();
  return out;
}

Outcome parse_all(const std::string& text, const Limits& limits = {}) {
  return parse_in_steps(text, text.size() == 0 ? 1 : text.size(), limits);
}

int error_of(const std::string& text, const Limits& limits = {}) {
  Outcome o = parse_all(text, limits);
  EXPECT_EQ(o.status, ParseStatus::Error) << text;
  return o.error;
}

TEST(Parser, SimpleGetWithQuery) {
  Outcome o = parse_all("GET /users/7?x=1&y=2 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(o.status, ParseStatus::Complete);
  EXPECT_EQ(o.method, "GET");
  EXPECT_EQ(o.path, "/users/7");
  EXPECT_EQ(o.query, "x=1&y=2");
  EXPECT_TRUE(o.keep_alive);
  EXPECT_EQ(o.body, "");
}

TEST(Parser, HeadersAreTrimmedAndFoundCaseInsensitively) {
  RequestParser parser;
  std::string text = "GET / HTTP/1.1\r\nHost: a\r\nX-Thing: \t value  \r\nempty:\r\n\r\n";
  ASSERT_EQ(parser.parse(text.data(), text.size()), ParseStatus::Complete);
  EXPECT_EQ(parser.request().header("x-thing"), "value");
  EXPECT_EQ(parser.request().header("EMPTY"), "");
  EXPECT_EQ(parser.request().headers.size(), 3u);
}

TEST(Parser, EveryByteBoundaryGivesTheSameResult) {
  std::string text =
      "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nTrailer: x\r\n\r\n";
  for (std::size_t step = 1; step <= text.size(); ++step) {
    Outcome o = parse_in_steps(text, step);
    ASSERT_EQ(o.status, ParseStatus::Complete) << "step " << step;
    EXPECT_EQ(o.body, "hello world!") << "step " << step;
    EXPECT_EQ(o.consumed, o.buffered) << "step " << step;
  }
}

TEST(Parser, ContentLengthBodyAndPipelinedRemainder) {
  std::string first = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
  std::string text = first + "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  Outcome o = parse_all(text);
  ASSERT_EQ(o.status, ParseStatus::Complete);
  EXPECT_EQ(o.body, "hello");
  EXPECT_EQ(o.consumed, first.size());
}

TEST(Parser, IncompleteUntilTheBodyArrives) {
  RequestParser parser;
  std::string text = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab";
  EXPECT_EQ(parser.parse(text.data(), text.size()), ParseStatus::Incomplete);
  EXPECT_TRUE(parser.head_complete());
  text += "c";
  ASSERT_EQ(parser.parse(text.data(), text.size()), ParseStatus::Complete);
  EXPECT_EQ(parser.request().body, "abc");
}

TEST(Parser, ResetParsesTheNextRequest) {
  RequestParser parser;
  std::string a = "GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(parser.parse(a.data(), a.size()), ParseStatus::Complete);
  EXPECT_FALSE(parser.request().keep_alive);
  parser.reset();
  std::string b = "GET /b HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(parser.parse(b.data(), b.size()), ParseStatus::Complete);
  EXPECT_EQ(parser.request().path, "/b");
  EXPECT_TRUE(parser.request().keep_alive);
}

TEST(Parser, Http10KeepAliveOnlyWhenAsked) {
  EXPECT_FALSE(parse_all("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse_all("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_all("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n").keep_alive);
}

TEST(Parser, LeadingEmptyLinesAreIgnored) {
  Outcome o = parse_all("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(o.status, ParseStatus::Complete);
  EXPECT_EQ(o.path, "/");
}

TEST(Parser, AbsoluteFormAndAsteriskTargets) {
  Outcome o = parse_all("GET http://example.com/x?q HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_EQ(o.status, ParseStatus::Complete);
  EXPECT_EQ(o.path, "/x");
  EXPECT_EQ(o.query, "q");
  EXPECT_EQ(parse_all("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").path, "*");
  EXPECT_EQ(error_of("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

TEST(Parser, ExpectContinueIsReportedUntilTheBodyStarts) {
  RequestParser parser;
  std::string text = "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  EXPECT_EQ(parser.parse(text.data(), text.size()), ParseStatus::Incomplete);
  EXPECT_TRUE(parser.expects_continue());
  text += "ok";
  EXPECT_EQ(parser.parse(text.data(), text.size()), ParseStatus::Complete);
  EXPECT_FALSE(parser.expects_continue());
}

// --- limits --------------------------------------------------------------

TEST(ParserLimits, RequestLineOver8KiBIs431) {
  std::string text = "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(error_of(text), 431);
  // Also when it arrives slowly and never ends.
  Outcome o = parse_in_steps("GET /" + std::string(9000, 'a'), 512);
  EXPECT_EQ(o.status, ParseStatus::Error);
  EXPECT_EQ(o.error, 431);
}

TEST(ParserLimits, HeadersOver8KiBAre431) {
  std::string text = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 90; ++i) text += "X-Filler-" + std::to_string(i) + ": " + std::string(90, 'v') + "\r\n";
  text += "\r\n";
  ASSERT_GT(text.size(), 8192u);
  EXPECT_EQ(error_of(text), 431);
}

TEST(ParserLimits, HeadJustUnder8KiBIsAccepted) {
  std::string text = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ";
  text += std::string(8192 - text.size() - 4, 'v') + "\r\n\r\n";
  ASSERT_EQ(text.size(), 8192u);
  EXPECT_EQ(parse_all(text).status, ParseStatus::Complete);
  text.insert(30, "v");
  EXPECT_EQ(error_of(text), 431);
}

TEST(ParserLimits, MoreThan100HeadersIs431) {
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";
  std::string ok = head, too_many = head;
  for (int i = 0; i < 99; ++i) ok += "X" + std::to_string(i) + ": v\r\n";
  too_many = ok + "Y: v\r\n";
  EXPECT_EQ(parse_all(ok + "\r\n").status, ParseStatus::Complete);
  EXPECT_EQ(error_of(too_many + "\r\n"), 431);
}

TEST(ParserLimits, BodyOverTheLimitIs413) {
  Limits limits;
  limits.max_body_bytes = 10;
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits), 413);
  EXPECT_EQ(parse_all("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", limits).status,
            ParseStatus::Complete);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "6\r\nabcdef\r\n5\r\n",
                     limits),
            413);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n"), 413);
}

TEST(ParserLimits, OversizedTrailerIs431) {
  std::string text = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " +
                     std::string(9000, 'x') + "\r\n\r\n";
  EXPECT_EQ(error_of(text), 431);
}

// --- 400 cases -------------------------------------------------------------

TEST(ParserErrors, ContentLengthWithTransferEncoding) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                     "Content-Length: 3\r\n\r\n"),
            400);
}

TEST(ParserErrors, ConflictingContentLengths) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
            400);
  // Identical repeats are allowed (RFC 9112 6.3).
  EXPECT_EQ(parse_all("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx")
                .status,
            ParseStatus::Complete);
}

TEST(ParserErrors, InvalidContentLength) {
  for (const char* v : {"", "-1", "+1", "1 2", "0x10", "1,1", "9999999999999999999"}) {
    EXPECT_EQ(error_of(std::string("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ") + v + "\r\n\r\n"),
              400)
        << v;
  }
}

TEST(ParserErrors, BadChunkSizes) {
  std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const char* body : {"g\r\n", "\r\n", "-1\r\n", "0x5\r\n", "5 x\rz", "1\r\nab\r\n",
                           "1000000000000000\r\n", "1\r\na\n", "1\r\naXY", "0\r\n\n"}) {
    EXPECT_EQ(error_of(head + body), 400) << body;
  }
}

TEST(ParserErrors, BareLineFeedOrCarriageReturn) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\n\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\rHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400);
  EXPECT_EQ(error_of("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

TEST(ParserErrors, InvalidTokenCharacters) {
  EXPECT_EQ(error_of("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHo st: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nX@Y: a\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\0z\r\n\r\n"s), 400);
  EXPECT_EQ(error_of("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

TEST(ParserErrors, MalformedRequestLine) {
  for (const char* line : {"GET  / HTTP/1.1", "GET / HTTP/1.1 ", "GET /", "GET / HTTP/1.", "GET / http/1.1",
                           " GET / HTTP/1.1", "GET relative HTTP/1.1", "GET / HTTP/11.1"}) {
    EXPECT_EQ(error_of(std::string(line) + "\r\nHost: a\r\n\r\n"), 400) << line;
  }
}

TEST(ParserErrors, ObsoleteLineFoldingMissingHostAndDuplicateTransferEncoding) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(error_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

TEST(ParserErrors, UnknownVersionIs505) {
  EXPECT_EQ(error_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(error_of("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(error_of("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), 505);
}

TEST(ParserErrors, UnknownMethodIs501AndUnknownCodingToo) {
  EXPECT_EQ(error_of("BREW / HTTP/1.1\r\nHost: a\r\n\r\n"), 501);
  EXPECT_EQ(error_of("get / HTTP/1.1\r\nHost: a\r\n\r\n"), 501);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"), 501);
}

}  // namespace
}  // namespace vigil::framework::http
