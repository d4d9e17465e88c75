// Integration tests: a server started in-process on a free loopback port,
// spoken to with raw sockets. Every read has a receive timeout, every loop a
// bound.
#include "vigil/framework/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "vigil/framework/pipeline/app.hpp"
#include "vigil/framework/http/app_service.hpp"
#include "vigil/harness/reference_service.hpp"
#include "http/raw_client.hpp"

namespace vigil::framework::http {
namespace {

using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    if (options.threads == 0) options.threads = 2;
    server_.emplace(options, service_);
    server_->listen();
    port_ = server_->port();
    running_ = std::async(std::launch::async, [this] { server_->run(); });
  }
  // Stops the server and waits (bounded) for run() to return.
  bool stop_and_wait(std::chrono::milliseconds limit = 10000ms) {
    server_->stop();
    if (running_.wait_for(limit) != std::future_status::ready) return false;
    running_.get();
    return true;
  }
  void TearDown() override {
    if (running_.valid()) {
      ASSERT_TRUE(stop_and_wait());
    }
  }
  Client::Response expect_response(Client& c) {
    std::optional<Client::Response> r = c.read_response();
    EXPECT_TRUE(r.has_value());
    return r.value_or(Client::Response{});
  }
  // Sends `raw` on a fresh connection; expects `status` and then a close.
  void expect_rejected(const std::string& raw, int status) {
    Client c(port_);
    ASSERT_TRUE(c.connected());
    c.send_all(raw);
    std::optional<Client::Response> r = c.read_response();
    ASSERT_TRUE(r.has_value()) << raw.substr(0, 80);
    EXPECT_EQ(r->status, status) << raw.substr(0, 80);
    EXPECT_TRUE(r->has("Connection: close\r\n"));
    EXPECT_TRUE(c.closed_by_server()) << raw.substr(0, 80);
  }

  std::unique_ptr<App> app_ = harness::make_reference_app();
  AppService service_{*app_};
  std::optional<Server> server_;
  std::future<void> running_;
  std::uint16_t port_ = 0;
};

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  Client c(port_);
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.send_all("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    Client::Response r = expect_response(c);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "Hello, World!");
    EXPECT_FALSE(r.has("Connection: close"));
  }
}

TEST_F(ServerTest, TenPipelinedRequestsInOneWriteAreAnsweredInOrder) {
  start();
  Client c(port_);
  std::string batch;
  for (int i = 0; i < 10; ++i) batch += "GET /users/" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(c.send_all(batch));
  for (int i = 0; i < 10; ++i) {
    Client::Response r = expect_response(c);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"id\":\"" + std::to_string(i) + "\",\"name\":\"user-" + std::to_string(i) + "\"}");
  }
}

TEST_F(ServerTest, ChunkedBodyIsDecoded) {
  start();
  Client c(port_);
  c.send_all("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n");
  std::this_thread::sleep_for(20ms);  // lets the body arrive in two reads
  c.send_all("5;x=y\r\npedia\r\n0\r\n\r\n");
  Client::Response r = expect_response(c);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Wikipedia");
  EXPECT_TRUE(r.has("Content-Type: text/plain\r\n"));
}

TEST_F(ServerTest, LargeBodiesUpToTheLimitAreEchoed) {
  start();
  Client c(port_);
  std::string body(1024 * 1024, 'z');
  c.send_all("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  c.send_all(body);
  Client::Response r = expect_response(c);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), body.size());
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
  start();
  Client c(port_);
  c.send_all("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  Client::Response interim = expect_response(c);
  EXPECT_EQ(interim.status, 100);
  c.send_all("abc");
  Client::Response r = expect_response(c);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "abc");
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  start();
  {
    Client c(port_);
    c.send_all("GET / HTTP/1.0\r\n\r\n");
    Client::Response r = expect_response(c);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.has("Connection: close\r\n"));
    EXPECT_TRUE(c.closed_by_server());
  }
  Client c(port_);
  for (int i = 0; i < 2; ++i) {
    c.send_all("GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    Client::Response r = expect_response(c);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.has("Connection: keep-alive\r\n"));
  }
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  start();
  Client c(port_);
  c.send_all("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n");
  Client::Response r = expect_response(c);
  EXPECT_TRUE(r.has("Connection: close\r\n"));
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, HalfClosedClientStillGetsItsResponse) {
  start();
  Client c(port_);
  c.send_all("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  c.shutdown_write();
  EXPECT_EQ(expect_response(c).status, 200);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, HeadGetsHeadersOnly) {
  start();
  Client c(port_);
  c.send_all("HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET /json HTTP/1.1\r\nHost: t\r\n\r\n");
  // The HEAD response announces 13 bytes but carries none: read it by hand.
  Client::Response head = expect_response(c);
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.has("Content-Length: 13\r\n"));
  EXPECT_EQ(head.body.substr(0, 8), "HTTP/1.1");  // the next response follows at once
}

TEST_F(ServerTest, OversizedHeadsAre431) {
  start();
  expect_rejected("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n", 431);
  std::string many = "GET / HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  expect_rejected(many + "\r\n", 431);
  std::string big = "GET / HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 20; ++i) big += "X-" + std::to_string(i) + ": " + std::string(500, 'v') + "\r\n";
  expect_rejected(big + "\r\n", 431);
}

TEST_F(ServerTest, OversizedBodiesAre413) {
  ServerOptions options;
  options.limits.max_body_bytes = 1000;
  start(options);
  expect_rejected("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n" + std::string(1001, 'b'), 413);
  expect_rejected("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" +
                      std::string(1000, 'b') + "\r\n1\r\nb\r\n0\r\n\r\n",
                  413);
}

TEST_F(ServerTest, MalformedRequestsAre400) {
  start();
  const char* cases[] = {
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
      "GET / HTTP/1.1\nHost: t\n\n",
      "GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n",
      "GET / HTTP/1.1\r\nHo(st: t\r\n\r\n",
      "G@T / HTTP/1.1\r\nHost: t\r\n\r\n",
      "GET /a\x01 HTTP/1.1\r\nHost: t\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",
  };
  for (const char* raw : cases) expect_rejected(raw, 400);
}

TEST_F(ServerTest, UnknownVersionIs505AndUnknownMethodIs501) {
  start();
  expect_rejected("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505);
  expect_rejected("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", 501);
}

TEST_F(ServerTest, ServerMadeResponsesShowInMetrics) {
  start();
  expect_rejected("GET / HTTP/3.0\r\nHost: t\r\n\r\n", 505);
  Client c(port_);
  c.send_all("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  Client::Response r = expect_response(c);
  EXPECT_NE(r.body.find("vigil_http_requests_total{code=\"505\"} 1\n"), std::string::npos) << r.body;
  // The rejected connection may still be lingering on another loop: >= 1.
  EXPECT_NE(r.body.find("vigil_http_connections_live "), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("vigil_http_connections_live 0\n"), std::string::npos) << r.body;
}

TEST_F(ServerTest, SlowlorisIsCutOffAtTheHeaderDeadline) {
  ServerOptions options;
  options.timeouts.header = 200ms;
  start(options);
  Client c(port_);
  c.send_all("GET / HTTP/1.1\r\n");
  // Keeps trickling header bytes, well within the idle timeout, for longer
  // than the header deadline; bounded at 40 x 25 ms.
  bool cut_off = false;
  for (int i = 0; i < 40 && !cut_off; ++i) {
    std::this_thread::sleep_for(25ms);
    cut_off = !c.send_all("X");
  }
  std::optional<Client::Response> r = c.read_response();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, SilentConnectionIsClosedAtTheHeaderDeadline) {
  ServerOptions options;
  options.timeouts.header = 100ms;
  start(options);
  Client c(port_);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options;
  options.timeouts.idle = 150ms;
  start(options);
  Client c(port_);
  c.send_all("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(expect_response(c).status, 200);
  EXPECT_TRUE(c.closed_by_server());  // within the 5 s receive timeout
}

TEST_F(ServerTest, ShutdownFinishesTheRequestInFlight) {
  start();
  Client idle(port_);
  Client busy(port_);
  idle.send_all("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(expect_response(idle).status, 200);
  // The interim 100 response proves the server has read the head: the
  // request is in flight when the stop arrives.
  busy.send_all("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  ASSERT_EQ(expect_response(busy).status, 100);
  busy.send_all("ab");
  server_->stop();
  EXPECT_TRUE(idle.closed_by_server());
  busy.send_all("cde");
  Client::Response r = expect_response(busy);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "abcde");
  EXPECT_TRUE(r.has("Connection: close\r\n"));
  EXPECT_TRUE(busy.closed_by_server());
  ASSERT_EQ(running_.wait_for(10s), std::future_status::ready);
  running_.get();
  Client late(port_, 500ms);
  EXPECT_FALSE(late.connected());
}

TEST_F(ServerTest, ConcurrentClientsOnSeveralLoops) {
  ServerOptions options;
  options.threads = 2;
  start(options);
  constexpr int kClients = 6, kRequests = 40;
  std::vector<std::future<int>> ok;
  for (int t = 0; t < kClients; ++t) {
    ok.push_back(std::async(std::launch::async, [this, t] {
      Client c(port_);
      int good = 0;
      for (int i = 0; i < kRequests; ++i) {
        std::string path = "/users/" + std::to_string(t * 1000 + i);
        if (!c.send_all("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n")) break;
        std::optional<Client::Response> r = c.read_response();
        if (r && r->status == 200 && r->body.find(std::to_string(t * 1000 + i)) != std::string::npos) ++good;
      }
      return good;
    }));
  }
  for (auto& f : ok) EXPECT_EQ(f.get(), kRequests);
  EXPECT_GE(app_->stats().requests, static_cast<std::uint64_t>(kClients * kRequests));
}

TEST_F(ServerTest, ListenFailsWithAReadableError) {
  start();
  ServerOptions taken;
  taken.port = port_;
  taken.host = "not-an-address";
  Server other(taken, service_);
  EXPECT_THROW(other.listen(), std::system_error);
}

}  // namespace
}  // namespace vigil::framework::http
