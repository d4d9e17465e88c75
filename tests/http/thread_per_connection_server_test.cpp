// The thread-per-connection server (debug endpoints): requests answered at
// the same time, a bound on how many, parse errors, stopping.
#include "vigil/framework/http/thread_per_connection_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "http/raw_client.hpp"

namespace vigil::framework::http {
namespace {

using namespace std::chrono_literals;

// /hello answers at once; /together waits (up to 10 s) until two requests
// are inside the handler at the same time; /block waits until released.
class TestService : public Service {
 public:
  std::unique_ptr<WorkerHandler> make_worker() override { return std::make_unique<Worker>(*this); }

  bool wait_until_inside(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return inside_ >= n; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  std::vector<int> server_responses() {
    std::lock_guard lock(mutex_);
    return server_responses_;
  }

 private:
  struct Connection : ConnectionHandler {
    TestService& s;
    std::string peer;
    Connection(TestService& service, std::string_view remote) : s(service), peer(remote) {}
    void handle(const Request& request, Response& response) override {
      response.clear();
      std::unique_lock lock(s.mutex_);
      s.most_inside_ = std::max(s.most_inside_, ++s.inside_);
      s.changed_.notify_all();
      if (request.path == "/hello") {
        response.body = "hello " + peer;
      } else if (request.path == "/together") {
        response.body = s.changed_.wait_for(lock, 10s, [&] { return s.most_inside_ >= 2; }) ? "together" : "alone";
      } else if (request.path == "/block") {
        response.body = s.changed_.wait_for(lock, 10s, [&] { return s.released_; }) ? "released" : "timed out";
      } else {
        response.status = 404;
      }
      --s.inside_;
    }
  };
  struct Worker : WorkerHandler {
    TestService& s;
    explicit Worker(TestService& service) : s(service) {}
    std::unique_ptr<ConnectionHandler> open(std::string_view remote) override {
      return std::make_unique<Connection>(s, remote);
    }
    void on_server_response(int status) override {
      std::lock_guard lock(s.mutex_);
      s.server_responses_.push_back(status);
    }
  };

  std::mutex mutex_;
  std::condition_variable changed_;
  int inside_ = 0;
  int most_inside_ = 0;  // inside the handler at the same time, at most
  bool released_ = false;
  std::vector<int> server_responses_;
};

class ThreadPerConnectionServerTest : public ::testing::Test {
 protected:
  void start(unsigned max_connections = 4) {
    ThreadPerConnectionOptions options;
    options.max_connections = max_connections;
    server_.emplace(options, service_);
    server_->listen();
    server_->start();
  }
  std::uint16_t port() const { return server_->port(); }
  std::optional<Client::Response> get(const std::string& path) {
    Client c(port(), 15s);
    if (!c.send_all("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")) return std::nullopt;
    return c.read_response();
  }

  TestService service_;
  std::optional<ThreadPerConnectionServer> server_;
};

TEST_F(ThreadPerConnectionServerTest, AnswersARequestAndClosesTheConnection) {
  start();
  Client c(port());
  ASSERT_TRUE(c.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.rfind("hello 127.0.0.1:", 0), 0u) << r->body;
  EXPECT_TRUE(r->has("Connection: close"));
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ThreadPerConnectionServerTest, RequestsAreAnsweredAtTheSameTime) {
  start();
  // Each handler waits for the other: answered one after the other, both would say "alone".
  auto first = std::async(std::launch::async, [&] { return get("/together"); });
  auto second = std::async(std::launch::async, [&] { return get("/together"); });
  for (auto* f : {&first, &second}) {
    const auto r = f->get();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "together");
  }
}

TEST_F(ThreadPerConnectionServerTest, ConnectionsOverTheLimitAreAnswered503) {
  start(1);
  auto blocked = std::async(std::launch::async, [&] { return get("/block"); });
  ASSERT_TRUE(service_.wait_until_inside(1));
  const auto refused = get("/hello");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  service_.release();
  const auto answered = blocked.get();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->body, "released");
  // The slot is free again once that answer is out.
  std::optional<Client::Response> later;
  for (int i = 0; i < 100 && !(later && later->status == 200); ++i) {
    if (i > 0) std::this_thread::sleep_for(10ms);
    later = get("/hello");
  }
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200);
}

TEST_F(ThreadPerConnectionServerTest, AMalformedRequestIs400AndTheServiceIsTold) {
  start();
  Client c(port());
  ASSERT_TRUE(c.send_all("GET /hello HTTP/9.9\r\n\r\n"));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_GE(r->status, 400);
  EXPECT_EQ(service_.server_responses(), std::vector<int>{r->status});
}

TEST_F(ThreadPerConnectionServerTest, StopDropsAConnectionThatSentNothingAndFinishesOneBeingAnswered) {
  start();
  Client idle(port());
  ASSERT_TRUE(idle.connected());
  auto blocked = std::async(std::launch::async, [&] { return get("/block"); });
  ASSERT_TRUE(service_.wait_until_inside(1));
  auto stopped = std::async(std::launch::async, [&] { server_->stop(); });
  EXPECT_TRUE(idle.closed_by_server());
  service_.release();
  ASSERT_EQ(stopped.wait_for(10s), std::future_status::ready);
  const auto answered = blocked.get();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->body, "released");
}

}  // namespace
}  // namespace vigil::framework::http
