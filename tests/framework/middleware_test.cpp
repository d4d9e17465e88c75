#include "vigil/framework/pipeline/middleware/default_chain.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "counting_new.hpp"
#include "vigil/framework/memory/arena.hpp"

namespace vigil::framework {
namespace {

using namespace std::chrono_literals;
using testing::CountingScope;

class Recorder : public Middleware {
 public:
  Recorder(std::string name, std::vector<std::string>& trace) : name_(std::move(name)), trace_(trace) {}
  std::string_view name() const override { return name_; }
  void handle(Event& e, const Next& next) override {
    trace_.push_back(name_ + ">");
    next(e);
    trace_.push_back("<" + name_);
  }

 private:
  std::string name_;
  std::vector<std::string>& trace_;
};

TEST(MiddlewareChain, RunsInOrderAroundTheHandler) {
  std::vector<std::string> trace;
  Chain chain;
  chain.emplace<Recorder>("a", trace);
  chain.emplace<Recorder>("b", trace);
  Event e;
  auto handler = [&](Event&) { trace.push_back("handler"); };
  chain.run(e, handler);
  EXPECT_EQ(trace, (std::vector<std::string>{"a>", "b>", "handler", "<b", "<a"}));
}

TEST(MiddlewareChain, EmptyChainCallsTheHandler) {
  Chain chain;
  Event e;
  int calls = 0;
  auto handler = [&](Event&) { ++calls; };
  chain.run(e, handler);
  EXPECT_EQ(calls, 1);
}

void plain_handler(Event& e) { e.response.status = 204; }

TEST(MiddlewareChain, AcceptsAFunctionPointerHandler) {
  Chain chain;
  Event e;
  chain.run(e, plain_handler);
  EXPECT_EQ(e.response.status, 204);
}

TEST(RequestIdMiddleware, GeneratesUniqueIdsAndEchoesThem) {
  Chain chain;
  chain.emplace<RequestIdMiddleware>();
  auto handler = [](Event&) {};
  Event a, b;
  chain.run(a, handler);
  chain.run(b, handler);
  EXPECT_EQ(a.request_id().size(), 25u);  // 8 hex prefix, '-', 16 hex counter
  EXPECT_NE(a.request_id(), b.request_id());
  EXPECT_EQ(a.response.headers.find("x-request-id"), a.request_id());
}

TEST(RequestIdMiddleware, KeepsASaneIncomingIdAndReplacesABadOne) {
  Chain chain;
  chain.emplace<RequestIdMiddleware>();
  auto handler = [](Event&) {};
  Event given;
  given.headers.add("X-Request-Id", "abc-123_x.y");
  chain.run(given, handler);
  EXPECT_EQ(given.request_id(), "abc-123_x.y");
  Event bad;
  bad.headers.add("X-Request-Id", "evil\r\nheader");
  chain.run(bad, handler);
  EXPECT_NE(bad.request_id(), "evil\r\nheader");
  EXPECT_EQ(bad.request_id().size(), 25u);
}

TEST(LoggerMiddleware, WritesOneLinePerRequestWithTheFinalStatus) {
  RingLogSink sink(4);
  Chain chain;
  chain.emplace<LoggerMiddleware>(sink);
  Event e;
  e.method = "GET";
  e.path = "/users/42";
  e.set_request_id("rid-1");
  auto handler = [](Event& ev) { ev.response.status = 404; };
  chain.run(e, handler);
  const auto lines = sink.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("GET /users/42 404 ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("us rid-1"), std::string::npos) << lines[0];
}

// Keeps every line whole (RingLogSink cuts them at its slot size).
class LineSink : public LogSink {
 public:
  void write(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

TEST(LoggerMiddleware, FormatsTheWholeLineIntoTheRequestArena) {
  LineSink sink;
  Chain chain;
  chain.emplace<LoggerMiddleware>(sink);
  Arena arena;
  Event e;
  e.method = "GET";
  e.path = "/search/" + std::string(2000, 'q');  // longer than the stack buffer of an event without arena
  e.set_request_id("rid-7");
  e.arena = &arena;
  auto handler = [](Event& ev) { ev.response.status = 200; };
  chain.run(e, handler);
  ASSERT_EQ(sink.lines.size(), 1u);
  const std::string& line = sink.lines[0];
  EXPECT_EQ(line.rfind("GET " + e.path + " 200 ", 0), 0u);
  EXPECT_TRUE(line.ends_with("us rid-7")) << line.substr(line.size() - 20);
  EXPECT_GE(arena.bytes_used(), line.size());  // the line lives in the arena until the request ends

  // Without an arena (an event outside the pipeline) the line is cut at kLineSize.
  e.arena = nullptr;
  chain.run(e, handler);
  EXPECT_EQ(sink.lines.back().size(), LoggerMiddleware::kLineSize);
}

TEST(RingLogSink, KeepsTheLastLinesOnly) {
  RingLogSink sink(3);
  for (int i = 0; i < 5; ++i) sink.write("line " + std::to_string(i));
  EXPECT_EQ(sink.lines(), (std::vector<std::string>{"line 2", "line 3", "line 4"}));
  EXPECT_EQ(sink.total_written(), 5u);
  sink.write(std::string(1000, 'x'));
  EXPECT_EQ(sink.lines().back().size(), RingLogSink::kLineSize);
}

TEST(RecoveryMiddleware, TurnsExceptionsInto500) {
  Chain chain;
  auto& recovery = chain.emplace<RecoveryMiddleware>();
  Event e;
  auto throwing = [](Event&) { throw std::runtime_error("boom"); };
  chain.run(e, throwing);
  EXPECT_EQ(e.response.status, 500);
  EXPECT_EQ(e.response.body, "internal server error\n");
  EXPECT_EQ(e.get("error"), "boom");
  EXPECT_EQ(recovery.recovered(), 1u);

  Event odd;
  auto throwing_int = [](Event&) { throw 7; };
  chain.run(odd, throwing_int);
  EXPECT_EQ(odd.response.status, 500);
  EXPECT_EQ(recovery.recovered(), 2u);
}

TEST(CorsMiddleware, AddsHeadersForAnAllowedOrigin) {
  CorsOptions options;
  options.allowed_origins = {"https://app.example"};
  Chain chain;
  chain.emplace<CorsMiddleware>(options);
  int calls = 0;
  auto handler = [&](Event&) { ++calls; };

  Event allowed;
  allowed.method = "GET";
  allowed.headers.add("Origin", "https://app.example");
  chain.run(allowed, handler);
  EXPECT_EQ(allowed.response.headers.find("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(allowed.response.headers.find("Vary"), "Origin");

  Event other;
  other.method = "GET";
  other.headers.add("Origin", "https://evil.example");
  chain.run(other, handler);
  EXPECT_FALSE(other.response.headers.find("Access-Control-Allow-Origin").has_value());
  EXPECT_EQ(calls, 2);
}

TEST(CorsMiddleware, AnswersPreflightWithoutCallingTheHandler) {
  Chain chain;
  chain.emplace<CorsMiddleware>();
  int calls = 0;
  auto handler = [&](Event&) { ++calls; };
  Event e;
  e.method = "OPTIONS";
  e.headers.add("Origin", "https://app.example");
  e.headers.add("Access-Control-Request-Method", "PUT");
  chain.run(e, handler);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(e.response.status, 204);
  EXPECT_EQ(e.response.headers.find("Access-Control-Allow-Origin"), "*");
  EXPECT_TRUE(e.response.headers.find("Access-Control-Allow-Methods").has_value());
  EXPECT_EQ(e.response.headers.find("Access-Control-Max-Age"), "600");

  Event plain_options;  // OPTIONS without a preflight header goes to the handler
  plain_options.method = "OPTIONS";
  plain_options.headers.add("Origin", "https://app.example");
  chain.run(plain_options, handler);
  EXPECT_EQ(calls, 1);
}

TEST(RateLimiter, TokenBucketRefillsWithTime) {
  RateLimitOptions options;
  options.tokens_per_second = 10;
  options.burst = 5;
  RateLimiterMiddleware limiter(options);
  const auto t0 = RateLimiterMiddleware::Clock::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.allow("1.2.3.4", t0));
  EXPECT_FALSE(limiter.allow("1.2.3.4", t0));
  EXPECT_TRUE(limiter.allow("5.6.7.8", t0));  // buckets are per client
  EXPECT_FALSE(limiter.allow("1.2.3.4", t0 + 50ms));
  EXPECT_TRUE(limiter.allow("1.2.3.4", t0 + 100ms));  // one token back
  EXPECT_EQ(limiter.rejected(), 2u);
}

TEST(RateLimiter, ClientTableIsBounded) {
  RateLimitOptions options;
  options.max_clients = 16;
  RateLimiterMiddleware limiter(options);
  const auto t0 = RateLimiterMiddleware::Clock::time_point{} + 1h;
  for (int i = 0; i < 1000; ++i) limiter.allow("10.0.0." + std::to_string(i), t0 + std::chrono::milliseconds(i));
  EXPECT_EQ(limiter.tracked_clients(), 16u);
}

TEST(RateLimiter, AnswersTooManyRequestsOverBudget) {
  RateLimitOptions options;
  options.tokens_per_second = 0.001;
  options.burst = 2;
  Chain chain;
  chain.emplace<RateLimiterMiddleware>(options);
  int calls = 0;
  auto handler = [&](Event&) { ++calls; };
  int limited = 0;
  for (int i = 0; i < 5; ++i) {
    Event e;
    e.remote_addr = "192.0.2.1:" + std::to_string(40000 + i);  // same client, new ports
    chain.run(e, handler);
    if (e.response.status == 429) {
      ++limited;
      EXPECT_EQ(e.response.headers.find("Retry-After"), "1");
    }
  }
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(limited, 3);
}

TEST(RateLimiter, ClientKeyDropsThePort) {
  EXPECT_EQ(client_key("127.0.0.1:8080"), "127.0.0.1");
  EXPECT_EQ(client_key("[::1]:8080"), "::1");
  EXPECT_EQ(client_key("::1"), "::1");
  EXPECT_EQ(client_key("host"), "host");
  EXPECT_EQ(client_key(""), "");
}

// A request as the server would give it, through the default chain.
void run_default_request(const Chain& chain, Event& e, int i) {
  e.reset();
  e.method = "GET";
  e.path = "/users/1";
  e.remote_addr = "127.0.0.1:50000";
  e.headers.add("Origin", "https://app.example");
  auto handler = [&](Event& ev) {
    ev.response.status = 200;
    ev.response.body.assign("{\"id\":1}");
  };
  chain.run(e, handler);
  (void)i;
}

TEST(DefaultChain, CommonPathAllocatesNothingPerRequest) {
  RingLogSink sink(8);
  RateLimitOptions rate;
  rate.tokens_per_second = 1e9;
  rate.burst = 1e9;
  const Chain chain = make_default_chain(sink, {}, {}, rate);
  EXPECT_EQ(chain.size(), 5u);
  Event e;
  for (int i = 0; i < 3; ++i) run_default_request(chain, e, i);  // warm-up
  CountingScope scope;
  for (int i = 0; i < 100; ++i) run_default_request(chain, e, i);
  EXPECT_EQ(scope.tally().news, 0);
  EXPECT_EQ(e.response.status, 200);
  EXPECT_TRUE(e.response.headers.find("X-Request-Id").has_value());
  EXPECT_EQ(e.response.headers.find("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(sink.total_written(), 103u);
}

TEST(DefaultChain, MiddlewareAllocDefectAllocatesEveryRequest) {
  RingLogSink sink(8);
  RateLimitOptions rate;
  rate.tokens_per_second = 1e9;
  rate.burst = 1e9;
  const Chain chain = make_default_chain(sink, Formatting::FreshHeapStrings, {}, rate);
  Event e;
  for (int i = 0; i < 3; ++i) run_default_request(chain, e, i);
  CountingScope scope;
  for (int i = 0; i < 100; ++i) run_default_request(chain, e, i);
  // Logger, request id and CORS each format a fresh heap string.
  EXPECT_GE(scope.tally().news, 300);
  EXPECT_EQ(e.response.status, 200);
  EXPECT_EQ(e.request_id().size(), 25u);
  EXPECT_EQ(e.response.headers.find("Access-Control-Allow-Origin"), "*");
}

}  // namespace
}  // namespace vigil::framework
