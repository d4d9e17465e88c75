#include "vigil/framework/pipeline/app.hpp"

#include <algorithm>
#include <stdexcept>

#include "vigil/framework/pipeline/metrics.hpp"
#include "vigil/framework/routing/method.hpp"

namespace vigil::framework {
namespace {

std::size_t request_size(const http::Request& r) {
  std::size_t n = r.method.size() + r.target.size() + r.body.size();
  for (const http::Header& h : r.headers) n += h.name.size() + h.value.size() + 4;
  return n;
}

class FunctionMiddleware : public Middleware {
 public:
  explicit FunctionMiddleware(MiddlewareFunction fn) : fn_(std::move(fn)) {}
  std::string_view name() const override { return "function"; }
  void handle(Event& e, const Next& next) override { fn_(e, next); }

 private:
  MiddlewareFunction fn_;
};

void answer(Event& e, int status, std::string_view text) {
  e.response.status = status;
  e.response.headers.set("Content-Type", "text/plain");
  e.response.body.assign(text);
}

}  // namespace

// ---- Worker and Session ---------------------------------------------------

Worker::Worker(App& app)
    : app_(app), cache_(app.router_, app.options_.route_cache), arena_(app.options_.arena) {
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
    : app_(app), remote_addr_(remote_addr), history_(app.options_.history) {
  app.live_sessions_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(app.registry_mutex_);
  app.sessions_.push_back(this);
}

Session::~Session() {
  app_.live_sessions_.fetch_sub(1, std::memory_order_relaxed);
  std::lock_guard lock(app_.registry_mutex_);
  std::erase(app_.sessions_, this);
}

// ---- Registration ---------------------------------------------------------

App::App(AppOptions options)
    : options_(std::move(options)),
      pool_(options_.pool),
      log_(options_.log_lines),
      batch_(options_.batch) {}

App::~App() { batch_.shutdown(); }

App& App::route(Method method, std::string_view pattern, Handler handler) {
  if (!handler) throw std::invalid_argument("App::route: empty handler for " + std::string(pattern));
  if (auto error = router_.add(method, pattern, static_cast<RouteId>(handlers_.size()))) {
    throw std::invalid_argument(error->message);
  }
  handlers_.push_back(std::move(handler));
  return *this;
}

App& App::use(std::unique_ptr<Middleware> middleware) {
  chain_.use(std::move(middleware));
  return *this;
}

App& App::use(MiddlewareFunction middleware) {
  return use(std::make_unique<FunctionMiddleware>(std::move(middleware)));
}

App& App::use_default_middleware() {
  rate_limiter_ = &add_default_middleware(chain_, log_, options_.formatting, options_.cors, options_.rate_limit);
  return *this;
}

// ---- The pipeline ---------------------------------------------------------

void App::handle(Worker& worker, Session& session, const http::Request& request,
                 http::Response& response) {
  response.clear();
  Event* event = pool_.acquire();
  fill_event(worker, session, request, *event);

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

void App::fill_event(Worker& worker, Session& session, const http::Request& request, Event& event) {
  event.method.assign(request.method);
  event.path.assign(request.path);
  event.query.assign(request.query);
  if (!request.query.empty()) {
    // Decoded into the worker's scratch, then copied into the event's own
    // field list; a malformed query leaves the fields empty (the raw text stays).
    worker.query_scratch_.resize(std::max(worker.query_scratch_.size(), request.query.size()));
    if (parse_query(request.query, worker.query_scratch_, worker.query_fields_) == QueryStatus::Ok) {
      for (const QueryParam& f : worker.query_fields_) event.query_params.add(f.name, f.value);
    }
  }
  for (const http::Header& h : request.headers) event.headers.add(h.name, h.value);
  event.body.assign(request.body);
  event.remote_addr.assign(session.remote_addr_);
  event.arena = &worker.arena_;
}

void App::dispatch(Worker& worker, Event& e) {
  const std::optional<Method> method = parse_method(e.method);
  if (!method) return answer(e, 501, "method not implemented\n");
  Params& params = worker.params_;
  params.clear();
  const CacheLookup found =
      worker.cache_.lookup(*method == Method::HEAD ? Method::GET : *method, e.path, params);
  if (found.route == nullptr) return answer(e, 404, "not found\n");
  for (const Param& p : params) e.params.add(p.name, p.value);
  handlers_[found.route->id](e);
}

// ---- Counters -------------------------------------------------------------

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
  s.rate_limited = rate_limiter_ != nullptr ? rate_limiter_->rejected() : 0;
  return s;
}

std::string App::metrics_text() const {
  std::string out;
  append_metrics(out);
  return out;
}

void App::append_metrics(std::string& out) const { append_prometheus_text(stats(), out); }

}  // namespace vigil::framework
