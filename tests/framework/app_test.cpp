// The application API: routes with handlers, middleware with use(), and the
// pipeline around them (404, 501, HEAD as GET, parameters and query fields
// in the event).
#include "vigil/framework/pipeline/app.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace vigil::framework {
namespace {

http::Request make_request(std::string_view method, std::string_view target) {
  http::Request r;
  r.method = method;
  r.target = target;
  const std::size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string_view::npos) r.query = target.substr(q + 1);
  return r;
}

struct Served {
  explicit Served(App& a) : app(a), worker(app.make_worker()), session(app.open_session("10.0.0.1:9")) {}
  http::Response run(std::string_view method, std::string_view target) {
    http::Response res;
    app.handle(*worker, *session, make_request(method, target), res);
    return res;
  }
  App& app;
  std::unique_ptr<Worker> worker;
  std::unique_ptr<Session> session;
};

TEST(AppApi, RoutesRequestsToTheirHandlersWithParameters) {
  App app;
  app.get("/users/:id", [](Event& e) { e.response.body = "user " + std::string(*e.params.find("id")); })
      .post("/users", [](Event& e) {
        e.response.status = 201;
        e.response.body = "created";
      })
      .del("/users/:id", [](Event& e) { e.response.status = 204; })
      .get("/files/*path", [](Event& e) { e.response.body.assign(*e.params.find("path")); });
  Served s(app);
  EXPECT_EQ(s.run("GET", "/users/7").body, "user 7");
  EXPECT_EQ(s.run("POST", "/users").status, 201);
  EXPECT_EQ(s.run("DELETE", "/users/7").status, 204);
  EXPECT_EQ(s.run("GET", "/files/a/b.txt").body, "a/b.txt");
  EXPECT_EQ(s.run("HEAD", "/users/8").body, "user 8");  // HEAD is answered by the GET route
  EXPECT_EQ(s.run("GET", "/nowhere").status, 404);
  EXPECT_EQ(s.run("PUT", "/users/7").status, 404);
  EXPECT_EQ(s.run("BREW", "/users/7").status, 501);
}

TEST(AppApi, FillsTheDecodedQueryFields) {
  App app;
  std::vector<std::string> seen;
  app.get("/search", [&](Event& e) {
    for (auto [name, value] : e.query_params) seen.push_back(std::string(name) + "=" + std::string(value));
    e.response.body.assign(e.query);
  });
  Served s(app);
  EXPECT_EQ(s.run("GET", "/search?q=a%20b&page=2&flag").body, "q=a%20b&page=2&flag");
  EXPECT_EQ(seen, (std::vector<std::string>{"q=a b", "page=2", "flag="}));
  seen.clear();
  s.run("GET", "/search?bad=%zz");  // malformed: no fields, the raw query stays
  EXPECT_TRUE(seen.empty());
  s.run("GET", "/search");
  EXPECT_TRUE(seen.empty());  // the event's fields were reset between requests
}

TEST(AppApi, MiddlewareRunsInOrderAroundTheHandler) {
  App app;
  std::string trace;
  app.use([&](Event& e, const Next& next) {
    trace += "a(";
    next(e);
    trace += ")a";
  });
  app.use([&](Event& e, const Next& next) {
    if (e.headers.find("X-Deny")) {
      e.response.status = 403;
      return;  // answers early: the handler never runs
    }
    trace += "b";
    next(e);
  });
  app.get("/", [&](Event&) { trace += "H"; });
  Served s(app);
  EXPECT_EQ(s.run("GET", "/").status, 200);
  EXPECT_EQ(trace, "a(bH)a");

  trace.clear();
  http::Request denied = make_request("GET", "/");
  const http::Header deny[] = {{"X-Deny", "1"}};
  denied.headers = deny;
  http::Response res;
  app.handle(*s.worker, *s.session, denied, res);
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(trace, "a()a");
}

TEST(AppApi, RefusedPatternsThrowNamingTheClash) {
  App app;
  app.get("/users/:id", [](Event&) {});
  try {
    app.get("/users/:id", [](Event&) {});
    FAIL() << "a duplicate was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/users/:id"), std::string::npos) << e.what();
  }
  EXPECT_THROW(app.get("no-slash", [](Event&) {}), std::invalid_argument);
  EXPECT_THROW(app.get("/empty", Handler{}), std::invalid_argument);
}

TEST(AppApi, DefaultMiddlewareAddsRequestIds) {
  App app;
  app.use_default_middleware();
  app.get("/", [](Event& e) { e.response.body.assign(e.request_id()); });
  Served s(app);
  const http::Response r = s.run("GET", "/");
  EXPECT_FALSE(r.body.empty());
  EXPECT_NE(r.extra_headers.find("X-Request-Id: " + r.body), std::string::npos) << r.extra_headers;
}

}  // namespace
}  // namespace vigil::framework
