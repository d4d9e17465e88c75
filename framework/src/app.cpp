#include "vigil/framework/app.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "vigil/framework/json_writer.hpp"
#include "vigil/framework/method.hpp"

namespace vigil::framework {
namespace {

enum RouteTag : RouteId { kRoot = 1, kJson, kUser, kEcho, kMetrics };

void add_route(Router& router, Method method, std::string_view pattern, RouteId id) {
  if (auto error = router.add(method, pattern, id)) {
    // The reference routes are fixed; a refusal is a programming error.
    std::fprintf(stderr, "vigil: reference route refused: %s\n", error->message.c_str());
    std::abort();
  }
}

// Resident set size of this process, from /proc/self/statm (0 if unreadable).
std::uint64_t process_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

std::size_t request_size(const http::Request& r) {
  std::size_t n = r.method.size() + r.target.size() + r.body.size();
  for (const http::Header& h : r.headers) n += h.name.size() + h.value.size() + 4;
  return n;
}

}  // namespace

// ---- Worker and Session ---------------------------------------------------

Worker::Worker(App& app)
    : app_(app),
      cache_(app.router_, app.options_.route_cache_capacity, app.defects_),
      arena_(app.defects_, app.options_.arena) {
  std::lock_guard lock(app.registry_mutex_);
  app.workers_.push_back(this);
}

Worker::~Worker() {
  std::lock_guard lock(app_.registry_mutex_);
  std::erase(app_.workers_, this);
  app_.retired_cache_.hits += cache_.stats().hits;
  app_.retired_cache_.misses += cache_.stats().misses;
  app_.retired_cache_.evictions += cache_.stats().evictions;
}

void Worker::publish() {
  const RouteCacheStats& s = cache_.stats();
  hits_.store(s.hits, std::memory_order_relaxed);
  misses_.store(s.misses, std::memory_order_relaxed);
  evictions_.store(s.evictions, std::memory_order_relaxed);
  cache_entries_.store(cache_.size(), std::memory_order_relaxed);
  arena_reserved_.store(arena_.bytes_reserved(), std::memory_order_relaxed);
  arena_used_.store(arena_.bytes_used(), std::memory_order_relaxed);
}

Session::Session(App& app, std::string_view remote_addr)
    : app_(app), remote_addr_(remote_addr), history_(app.defects_, app.options_.history) {
  app.live_sessions_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(app.registry_mutex_);
  app.sessions_.push_back(this);
}

Session::~Session() {
  app_.live_sessions_.fetch_sub(1, std::memory_order_relaxed);
  std::lock_guard lock(app_.registry_mutex_);
  std::erase(app_.sessions_, this);
}

// ---- App ------------------------------------------------------------------

App::App(DefectSet defects, AppOptions options)
    : defects_(defects),
      options_(std::move(options)),
      pool_(defects, options_.pool),
      log_(options_.log_lines),
      batch_(defects, options_.batch_size) {
  add_route(router_, Method::GET, "/", kRoot);
  add_route(router_, Method::GET, "/json", kJson);
  add_route(router_, Method::GET, "/users/:id", kUser);
  add_route(router_, Method::POST, "/echo", kEcho);
  add_route(router_, Method::GET, "/metrics", kMetrics);

  // The standard chain, built here to keep a handle on the rate limiter.
  chain_.emplace<RequestIdMiddleware>(defects);
  chain_.emplace<LoggerMiddleware>(log_, defects);
  chain_.emplace<RecoveryMiddleware>();
  chain_.emplace<CorsMiddleware>(options_.cors, defects);
  rate_limiter_ = &chain_.emplace<RateLimiterMiddleware>(options_.rate_limit);
}

App::~App() { batch_.shutdown(); }

void App::handle(Worker& worker, Session& session, const http::Request& request,
                 http::Response& response) {
  response.clear();
  Event* event = pool_.acquire();
  event->method.assign(request.method);
  event->path.assign(request.path);
  event->query.assign(request.query);
  for (const http::Header& h : request.headers) event->headers.add(h.name, h.value);
  event->body.assign(request.body);
  event->remote_addr.assign(session.remote_addr_);
  event->arena = &worker.arena_;

  auto handler = [this, &worker](Event& e) { dispatch(worker, e); };
  chain_.run(*event, handler);

  response.status = event->response.status;
  response.content_type = {};  // the handler's Content-Type is among the headers
  for (auto [name, value] : event->response.headers) response.add_header(name, value);
  // Swap, not copy: both strings keep their capacity for the next request.
  response.body.swap(event->response.body);

  worker.arena_.end_request();
  event->arena = nullptr;
  pool_.release(event);

  session.history_.record(request_size(request), BufferHistory::Clock::now());
  session.history_entries_.store(session.history_.size(), std::memory_order_relaxed);
  batch_.on_request();
  count_response(response.status);
  worker.publish();
}

void App::dispatch(Worker& worker, Event& e) {
  std::optional<Method> method = parse_method(e.method);
  if (!method) {
    e.response.status = 501;
    e.response.headers.set("Content-Type", "text/plain");
    e.response.body.assign("method not implemented\n");
    return;
  }
  Params& params = worker.params_;
  params.clear();
  CacheLookup found =
      worker.cache_.lookup(*method == Method::HEAD ? Method::GET : *method, e.path, params);
  if (found.route == nullptr) {
    e.response.status = 404;
    e.response.headers.set("Content-Type", "text/plain");
    e.response.body.assign("not found\n");
    return;
  }
  for (const Param& p : params) e.params.add(p.name, p.value);

  std::string& body = e.response.body;
  switch (found.route->id) {
    case kRoot:
      e.response.headers.set("Content-Type", "text/plain");
      body.assign("Hello, World!");
      break;
    case kJson:
      e.response.headers.set("Content-Type", "application/json");
      JsonWriter(body).begin_object().field("message", "Hello, World!").end_object();
      break;
    case kUser: {
      std::string_view id = *e.params.find("id");
      // The display name is request-scoped scratch: it lives in the arena.
      constexpr std::string_view kPrefix = "user-";
      char* name = worker.arena_.allocate_array<char>(kPrefix.size() + id.size());
      std::memcpy(name, kPrefix.data(), kPrefix.size());
      std::memcpy(name + kPrefix.size(), id.data(), id.size());
      e.set("user.id", id);
      e.response.headers.set("Content-Type", "application/json");
      JsonWriter(body)
          .begin_object()
          .field("id", id)
          .field("name", std::string_view(name, kPrefix.size() + id.size()))
          .end_object();
      break;
    }
    case kEcho: {
      std::optional<std::string_view> type = e.headers.find("Content-Type");
      std::string_view content_type = type ? *type : "application/octet-stream";
      e.set("echo.content_type", content_type);
      e.response.headers.set("Content-Type", content_type);
      body.assign(e.body);
      break;
    }
    case kMetrics:
      e.response.headers.set("Content-Type", "text/plain; version=0.0.4");
      append_metrics(body);
      break;
    default:
      e.response.status = 500;
      body.assign("unknown route\n");
      break;
  }
}

void App::count_response(int status) {
  if (status < kMinStatus || status > kMaxStatus) return;
  responses_[static_cast<std::size_t>(status - kMinStatus)].fetch_add(1, std::memory_order_relaxed);
}

AppStats App::stats() const {
  AppStats s;
  for (int code = kMinStatus; code <= kMaxStatus; ++code) {
    std::uint64_t n = responses_[static_cast<std::size_t>(code - kMinStatus)].load(
        std::memory_order_relaxed);
    if (n == 0) continue;
    s.responses_by_status.emplace_back(code, n);
    s.requests += n;
  }
  s.live_sessions = live_sessions_.load(std::memory_order_relaxed);
  s.pool = pool_.counters();
  s.pool_cached_events = pool_.cached_events();
  {
    std::lock_guard lock(registry_mutex_);
    s.route_cache = retired_cache_;
    for (const Worker* w : workers_) {
      s.route_cache.hits += w->hits_.load(std::memory_order_relaxed);
      s.route_cache.misses += w->misses_.load(std::memory_order_relaxed);
      s.route_cache.evictions += w->evictions_.load(std::memory_order_relaxed);
      s.route_cache_entries += w->cache_entries_.load(std::memory_order_relaxed);
      s.arena_bytes_reserved += w->arena_reserved_.load(std::memory_order_relaxed);
      s.arena_bytes_used += w->arena_used_.load(std::memory_order_relaxed);
    }
    for (const Session* session : sessions_) {
      s.history_entries += session->history_entries_.load(std::memory_order_relaxed);
    }
  }
  s.batch_workers_started = batch_.workers_started();
  s.batch_workers_joined = batch_.workers_joined();
  s.rate_limited = rate_limiter_->rejected();
  return s;
}

std::string App::metrics_text() const {
  std::string out;
  append_metrics(out);
  return out;
}

void App::append_metrics(std::string& out) const {
  AppStats s = stats();
  auto it = std::back_inserter(out);
  auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(it, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  auto sample = [&](std::string_view name, auto value) { fmt::format_to(it, "{} {}\n", name, value); };

  family("vigil_http_requests_total", "counter", "Responses sent, by status code.");
  for (auto [code, n] : s.responses_by_status) {
    fmt::format_to(it, "vigil_http_requests_total{{code=\"{}\"}} {}\n", code, n);
  }
  family("vigil_http_connections_live", "gauge", "Open client connections.");
  sample("vigil_http_connections_live", s.live_sessions);

  family("vigil_pool_acquires_total", "counter", "Events acquired from the pool.");
  sample("vigil_pool_acquires_total", s.pool.acquires);
  family("vigil_pool_reuses_total", "counter", "Acquires served by a recycled event.");
  sample("vigil_pool_reuses_total", s.pool.reuses);
  family("vigil_pool_fresh_allocations_total", "counter", "Acquires that constructed an event.");
  sample("vigil_pool_fresh_allocations_total", s.pool.fresh_allocations);
  family("vigil_pool_reuse_ratio", "gauge", "Reuses divided by acquires.");
  sample("vigil_pool_reuse_ratio", s.pool.reuse_ratio());

  family("vigil_route_cache_hits_total", "counter", "Route cache hits.");
  sample("vigil_route_cache_hits_total", s.route_cache.hits);
  family("vigil_route_cache_misses_total", "counter", "Route cache misses.");
  sample("vigil_route_cache_misses_total", s.route_cache.misses);
  family("vigil_route_cache_evictions_total", "counter", "Route cache evictions.");
  sample("vigil_route_cache_evictions_total", s.route_cache.evictions);
  family("vigil_route_cache_entries", "gauge", "Entries held by the route caches.");
  sample("vigil_route_cache_entries", s.route_cache_entries);

  family("vigil_arena_bytes_reserved", "gauge", "Bytes the request arenas hold from the system.");
  sample("vigil_arena_bytes_reserved", s.arena_bytes_reserved);
  family("vigil_arena_bytes_used", "gauge", "Bytes handed out by the arenas since their last reset.");
  sample("vigil_arena_bytes_used", s.arena_bytes_used);

  family("vigil_buffer_history_entries", "gauge", "Entries in the connections' buffer histories.");
  sample("vigil_buffer_history_entries", s.history_entries);
  family("vigil_batch_workers_started_total", "counter", "Background batch workers started.");
  sample("vigil_batch_workers_started_total", s.batch_workers_started);
  family("vigil_rate_limited_total", "counter", "Requests refused by the rate limiter.");
  sample("vigil_rate_limited_total", s.rate_limited);

  family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  sample("process_resident_memory_bytes", process_rss_bytes());
}

}  // namespace vigil::framework
