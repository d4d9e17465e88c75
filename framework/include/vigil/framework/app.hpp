#pragma once
// The request pipeline and the reference application. The HTTP server drives
// it from its event loops; the leak-test tool drives it in-process, without
// sockets, through exactly the same calls:
//
//   App app(defects);
//   auto worker = app.make_worker();                 // one per thread
//   auto session = app.open_session("127.0.0.1:1");  // one per connection
//   http::Request req; req.method = "GET"; req.path = req.target = "/users/7";
//   http::Response res;
//   app.handle(*worker, *session, req, res);
//
// Per request, handle(): acquires an event from the pool and fills it, runs
// the middleware chain (request id, logger, recovery, CORS, rate limiter),
// routes through the worker's route cache, calls the handler, copies the
// response out, ends the arena's request, releases the event, records the
// request's size in the session's buffer history and counts the request for
// the batch worker. Every pipeline defect of the catalog takes effect there.
//
// Routes: GET / (text "Hello, World!"), GET /json, GET /users/:id,
// POST /echo, GET /metrics (Prometheus text). HEAD is answered as GET.
// GET / and GET /json allocate nothing once warm. /users/:id and /echo keep
// request data in the event's context map (one owned entry each, freed by
// the pool's reset): those are the routes where event-pool-leak shows.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/arena.hpp"
#include "vigil/framework/batch_worker.hpp"
#include "vigil/framework/buffer_history.hpp"
#include "vigil/framework/defects.hpp"
#include "vigil/framework/event_pool.hpp"
#include "vigil/framework/http/message.hpp"
#include "vigil/framework/middleware.hpp"
#include "vigil/framework/params.hpp"
#include "vigil/framework/route_cache.hpp"
#include "vigil/framework/router.hpp"

namespace vigil::framework {

struct AppOptions {
  std::size_t route_cache_capacity = 1024;  // per worker
  std::size_t batch_size = 256;             // requests per background batch
  std::size_t log_lines = 1024;             // kept by the in-memory log sink
  EventPoolOptions pool;
  ArenaOptions arena;
  BufferHistoryOptions history;
  CorsOptions cors;
  // Generous by default: a benchmark client on loopback is one client.
  RateLimitOptions rate_limit{1e9, 1e9, 4096};
};

// A snapshot of the pipeline's counters (summed over workers and sessions).
struct AppStats {
  std::uint64_t requests = 0;  // every response counted, pipeline or server-made
  std::vector<std::pair<int, std::uint64_t>> responses_by_status;  // nonzero only
  std::int64_t live_sessions = 0;
  PoolCounters pool;
  std::size_t pool_cached_events = 0;
  RouteCacheStats route_cache;
  std::size_t route_cache_entries = 0;
  std::size_t arena_bytes_reserved = 0;
  std::size_t arena_bytes_used = 0;
  std::size_t history_entries = 0;  // over live sessions
  std::uint64_t batch_workers_started = 0;
  std::uint64_t batch_workers_joined = 0;
  std::uint64_t rate_limited = 0;
};

class App;

// Per-thread pipeline state; use each Worker from one thread at a time.
class Worker {
 public:
  explicit Worker(App& app);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  RouteCache& route_cache() { return cache_; }
  Arena& arena() { return arena_; }

 private:
  friend class App;
  // Published after every request so that /metrics, served by any thread,
  // reads them without racing the owner.
  void publish();

  App& app_;
  RouteCache cache_;
  Arena arena_;
  Params params_;
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, evictions_{0};
  std::atomic<std::size_t> cache_entries_{0}, arena_reserved_{0}, arena_used_{0};
};

// Per-connection pipeline state: the client address and the connection's
// buffer-size history.
class Session {
 public:
  Session(App& app, std::string_view remote_addr);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  BufferHistory& history() { return history_; }
  std::string_view remote_addr() const { return remote_addr_; }

 private:
  friend class App;
  App& app_;
  std::string remote_addr_;
  BufferHistory history_;
  std::atomic<std::size_t> history_entries_{0};  // published for stats()
};

class App {
 public:
  explicit App(DefectSet defects = {}, AppOptions options = {});
  ~App();  // joins the batch worker; all workers and sessions must be gone
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  std::unique_ptr<Worker> make_worker() { return std::make_unique<Worker>(*this); }
  std::unique_ptr<Session> open_session(std::string_view remote_addr) {
    return std::make_unique<Session>(*this, remote_addr);
  }

  // Runs one request through the pipeline and fills `response` (cleared
  // first). Thread-safe across different workers.
  void handle(Worker& worker, Session& session, const http::Request& request,
              http::Response& response);

  // Counts a response the server made without the pipeline (400, 431, ...).
  void count_response(int status);

  AppStats stats() const;
  // The /metrics body, Prometheus text exposition format 0.0.4.
  std::string metrics_text() const;

  const DefectSet& defects() const { return defects_; }
  const Router& router() const { return router_; }
  EventPool& pool() { return pool_; }
  RingLogSink& log() { return log_; }

 private:
  friend class Worker;
  friend class Session;

  void dispatch(Worker& worker, Event& event);
  void append_metrics(std::string& out) const;

  DefectSet defects_;
  AppOptions options_;
  Router router_;
  EventPool pool_;
  RingLogSink log_;
  Chain chain_;
  BatchWorker batch_;
  const RateLimiterMiddleware* rate_limiter_ = nullptr;  // owned by chain_

  static constexpr int kMinStatus = 100;
  static constexpr int kMaxStatus = 599;
  std::array<std::atomic<std::uint64_t>, kMaxStatus - kMinStatus + 1> responses_{};
  std::atomic<std::int64_t> live_sessions_{0};

  mutable std::mutex registry_mutex_;
  std::vector<const Worker*> workers_;
  RouteCacheStats retired_cache_;  // counters of workers already gone
  std::vector<const Session*> sessions_;
};

}  // namespace vigil::framework
