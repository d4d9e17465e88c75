#include "vigil/harness/reference_service.hpp"

#include <gtest/gtest.h>

#include <string>

#include "vigil/harness/defects.hpp"

namespace vigil::harness {
namespace {

using namespace framework;

http::Request make_request(std::string_view method, std::string_view target,
                           std::string_view body = {}) {
  http::Request r;
  r.method = method;
  r.target = target;
  std::size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string_view::npos) r.query = target.substr(q + 1);
  r.body = body;
  return r;
}

std::string header_line(const http::Response& r, std::string_view name) {
  std::string needle = std::string(name) + ": ";
  std::size_t at = r.extra_headers.find(needle);
  if (at == std::string::npos) return {};
  std::size_t end = r.extra_headers.find("\r\n", at);
  return r.extra_headers.substr(at + needle.size(), end - at - needle.size());
}

struct Harness {
  explicit Harness(DefectSet defects = {}, AppOptions options = {})
      : owned(make_reference_app(apply_defects(defects, options))),
        worker(app.make_worker()),
        session(app.open_session("127.0.0.1:5000")) {}
  http::Response run(std::string_view method, std::string_view target, std::string_view body = {}) {
    http::Response res;
    app.handle(*worker, *session, make_request(method, target, body), res);
    return res;
  }
  std::unique_ptr<App> owned;
  App& app = *owned;
  std::unique_ptr<Worker> worker;
  std::unique_ptr<Session> session;
};

TEST(ReferenceService, ServesTheReferenceRoutes) {
  Harness h;
  http::Response root = h.run("GET", "/");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.body, "Hello, World!");
  EXPECT_EQ(header_line(root, "Content-Type"), "text/plain");
  EXPECT_FALSE(header_line(root, "X-Request-Id").empty());

  http::Response json = h.run("GET", "/json");
  EXPECT_EQ(json.body, R"({"message":"Hello, World!"})");
  EXPECT_EQ(header_line(json, "Content-Type"), "application/json");

  http::Response user = h.run("GET", "/users/42?verbose=1");
  EXPECT_EQ(user.status, 200);
  EXPECT_EQ(user.body, R"({"id":"42","name":"user-42"})");

  http::Response echo = h.run("POST", "/echo", "ping");
  EXPECT_EQ(echo.body, "ping");
  EXPECT_EQ(header_line(echo, "Content-Type"), "application/octet-stream");

  EXPECT_EQ(h.run("HEAD", "/").status, 200);
  EXPECT_EQ(h.run("GET", "/nope").status, 404);
  EXPECT_EQ(h.run("POST", "/").status, 404);
}

TEST(ReferenceService, MetricsInPrometheusFormat) {
  Harness h;
  h.run("GET", "/");
  h.run("GET", "/missing");
  http::Response m = h.run("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(header_line(m, "Content-Type"), "text/plain; version=0.0.4");
  for (const char* line : {"vigil_http_requests_total{code=\"200\"} 1\n",
                           "vigil_http_requests_total{code=\"404\"} 1\n",
                           "vigil_http_connections_live 1\n", "vigil_pool_acquires_total 3\n",
                           "vigil_route_cache_misses_total 2\n", "# TYPE vigil_pool_reuse_ratio gauge\n",
                           "process_resident_memory_bytes "}) {
    EXPECT_NE(m.body.find(line), std::string::npos) << line << "\n" << m.body;
  }
}

TEST(ReferenceService, CountsSessionsPoolReuseAndCacheHits) {
  Harness h;
  for (int i = 0; i < 50; ++i) h.run("GET", "/users/" + std::to_string(i % 5));
  AppStats s = h.app.stats();
  EXPECT_EQ(s.requests, 50u);
  EXPECT_EQ(s.live_sessions, 1);
  EXPECT_EQ(s.pool.acquires, 50u);
  EXPECT_GE(s.pool.reuse_ratio(), 0.9);
  EXPECT_EQ(s.route_cache.misses, 5u);
  EXPECT_EQ(s.route_cache.hits, 45u);
  EXPECT_EQ(s.arena_bytes_used, 0u);  // reset after every request
  h.session.reset();
  EXPECT_EQ(h.app.stats().live_sessions, 0);
}

TEST(ReferenceService, RouteCacheCountersOutliveTheirWorker) {
  Harness h;
  h.run("GET", "/");
  h.run("GET", "/");
  h.worker.reset();
  AppStats s = h.app.stats();
  EXPECT_EQ(s.route_cache.misses, 1u);
  EXPECT_EQ(s.route_cache.hits, 1u);
}

TEST(ReferenceService, ServerMadeResponsesAreCounted) {
  Harness h;
  h.app.count_response(431);
  h.app.count_response(431);
  EXPECT_NE(h.app.metrics_text().find("vigil_http_requests_total{code=\"431\"} 2\n"), std::string::npos);
}

TEST(ReferenceService, ArenaNoResetDefectGrowsTheArena) {
  Harness clean;
  std::string error;
  Harness broken(*DefectSet::parse(std::vector<std::string>{"arena-no-reset"}, error));
  for (int i = 0; i < 100; ++i) {
    clean.run("GET", "/users/123456");
    broken.run("GET", "/users/123456");
  }
  EXPECT_EQ(clean.app.stats().arena_bytes_used, 0u);
  EXPECT_GE(broken.app.stats().arena_bytes_used, 100u * 11u);
}

TEST(ReferenceService, PoolNoReuseDefectStopsReuse) {
  std::string error;
  Harness broken(*DefectSet::parse(std::vector<std::string>{"pool-no-reuse"}, error));
  for (int i = 0; i < 20; ++i) broken.run("GET", "/");
  EXPECT_EQ(broken.app.stats().pool.reuses, 0u);
}

TEST(ReferenceService, RouteCacheUnboundedDefectKeepsEveryPath) {
  std::string error;
  AppOptions options;
  options.route_cache.capacity = 8;
  Harness clean({}, options);
  Harness broken(*DefectSet::parse(std::vector<std::string>{"route-cache-unbounded"}, error), options);
  for (int i = 0; i < 100; ++i) {
    clean.run("GET", "/users/" + std::to_string(i));
    broken.run("GET", "/users/" + std::to_string(i));
  }
  EXPECT_LE(clean.app.stats().route_cache_entries, 8u);
  EXPECT_GT(clean.app.stats().route_cache.evictions, 0u);
  EXPECT_EQ(broken.app.stats().route_cache_entries, 100u);
}

TEST(ReferenceService, HistoryUnboundedDefectGrowsTheSessionHistory) {
  std::string error;
  Harness clean;
  Harness broken(*DefectSet::parse(std::vector<std::string>{"history-unbounded"}, error));
  for (int i = 0; i < 500; ++i) {
    clean.run("GET", "/");
    broken.run("GET", "/");
  }
  EXPECT_LE(clean.app.stats().history_entries, BufferHistoryOptions{}.max_entries);
  EXPECT_EQ(broken.app.stats().history_entries, 500u);
}

TEST(ReferenceService, BatchWorkersAreJoinedWithoutTheThreadLeakDefect) {
  AppOptions options;
  options.batch.batch_size = 4;
  Harness clean({}, options);
  for (int i = 0; i < 40; ++i) clean.run("GET", "/");
  AppStats s = clean.app.stats();
  EXPECT_EQ(s.batch_workers_started, 10u);
  EXPECT_GE(s.batch_workers_joined, 9u);
}

}  // namespace
}  // namespace vigil::harness
