#pragma once
// The application: routes with handlers, middleware, and the request
// pipeline that runs them. Registration reads like the frameworks Vigil's
// defects come from (Gin, Echo, Express):
//
//   App app;
//   app.use_default_middleware();                      // request id, logger, recovery, CORS, rate limit
//   app.use([](Event& e, const Next& next) { next(e); });
//   app.get("/users/:id", [](Event& e) {
//     e.response.headers.set("Content-Type", "text/plain");
//     e.response.body.assign(*e.params.find("id"));
//   });
//
// Register routes and middleware first, then serve: the HTTP server drives
// the pipeline from its event loops, the harness in-process, through the
// same calls:
//
//   auto worker = app.make_worker();                 // one per thread
//   auto session = app.open_session("127.0.0.1:1");  // one per connection
//   app.handle(*worker, *session, request, response);
//
// Per request, handle(): acquires an event from the pool and fills it
// (query fields decoded), runs the middleware chain, routes through the
// worker's route cache (HEAD is answered by the GET route), calls the
// handler with the route parameters in the event, copies the response out,
// ends the arena's request, releases the event, records the request's size
// in the session's buffer history and counts the request for the batch
// worker. Unknown methods get 501, unmatched paths 404. Nothing on that path
// allocates once warm, unless a handler or middleware does.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/framework/http/message.hpp"
#include "vigil/framework/memory/arena.hpp"
#include "vigil/framework/memory/buffer_history.hpp"
#include "vigil/framework/memory/event_pool.hpp"
#include "vigil/framework/pipeline/batch_worker.hpp"
#include "vigil/framework/pipeline/middleware.hpp"
#include "vigil/framework/pipeline/middleware/default_chain.hpp"
#include "vigil/framework/routing/route_cache.hpp"
#include "vigil/framework/routing/router.hpp"
#include "vigil/framework/text/query.hpp"

namespace vigil::framework {

// Fills e.response. Stored once when registered; calling it allocates nothing.
using Handler = std::function<void(Event&)>;
// A middleware as a callable: call next(e) to go on, or answer and return.
using MiddlewareFunction = std::function<void(Event&, const Next&)>;

struct AppOptions {
  RouteCacheOptions route_cache;  // per worker
  BatchWorkerOptions batch;
  std::size_t log_lines = 1024;   // kept by the in-memory log sink
  EventPoolOptions pool;
  ArenaOptions arena;
  BufferHistoryOptions history;
  // Used by use_default_middleware().
  CorsOptions cors;
  // Generous by default: a benchmark client on loopback is one client.
  RateLimitOptions rate_limit{1e9, 1e9, 4096};
  Formatting formatting = Formatting::ReuseBuffers;
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
  QueryParams query_fields_;
  std::string query_scratch_;  // percent-decoding storage, capacity kept
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
  explicit App(AppOptions options = {});
  ~App();  // joins the batch worker; all workers and sessions must be gone
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Routes `pattern` (static segments, `:param`, a final `*catchall`; see
  // Router) to `handler`. A pattern the router refuses is a programming
  // error: std::invalid_argument, naming both routes of a clash.
  App& route(Method method, std::string_view pattern, Handler handler);
  App& get(std::string_view pattern, Handler handler) { return route(Method::GET, pattern, std::move(handler)); }
  App& post(std::string_view pattern, Handler handler) { return route(Method::POST, pattern, std::move(handler)); }
  App& put(std::string_view pattern, Handler handler) { return route(Method::PUT, pattern, std::move(handler)); }
  App& patch(std::string_view pattern, Handler handler) { return route(Method::PATCH, pattern, std::move(handler)); }
  App& del(std::string_view pattern, Handler handler) { return route(Method::DELETE, pattern, std::move(handler)); }
  App& options(std::string_view pattern, Handler handler) { return route(Method::OPTIONS, pattern, std::move(handler)); }

  // Middleware runs in the order added, around the routing and the handler.
  App& use(std::unique_ptr<Middleware> middleware);
  App& use(MiddlewareFunction middleware);
  // The standard chain: request id, logger (into log()), recovery, CORS and
  // rate limiter, configured by the options.
  App& use_default_middleware();

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
  void append_metrics(std::string& out) const;

  const AppOptions& settings() const { return options_; }
  const Router& router() const { return router_; }
  EventPool& pool() { return pool_; }
  RingLogSink& log() { return log_; }

 private:
  friend class Worker;
  friend class Session;

  void dispatch(Worker& worker, Event& event);
  void fill_event(Worker& worker, Session& session, const http::Request& request, Event& event);

  AppOptions options_;
  Router router_;
  std::vector<Handler> handlers_;  // by RouteId
  EventPool pool_;
  RingLogSink log_;
  Chain chain_;
  BatchWorker batch_;
  const RateLimiterMiddleware* rate_limiter_ = nullptr;  // owned by chain_, when used

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
