#include "vigil/framework/middleware.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <random>

#include <fmt/format.h>

namespace vigil::framework {

void Next::operator()(Event& e) const {
  if (index_ < chain_->middleware_.size()) {
    chain_->middleware_[index_]->handle(e, Next(chain_, index_ + 1, handler_));
  } else {
    handler_(e);
  }
}

Chain& Chain::use(std::unique_ptr<Middleware> m) {
  middleware_.push_back(std::move(m));
  return *this;
}

void Chain::run(Event& e, HandlerRef handler) const { Next(this, 0, handler)(e); }

// ---- Logger ---------------------------------------------------------------

RingLogSink::RingLogSink(std::size_t capacity)
    : slots_(capacity == 0 ? 1 : capacity), lengths_(capacity == 0 ? 1 : capacity, 0) {}

void RingLogSink::write(std::string_view line) {
  std::lock_guard lock(mutex_);
  const std::size_t at = written_ % slots_.size();
  const std::size_t n = std::min(line.size(), kLineSize);
  std::copy_n(line.data(), n, slots_[at].data());
  lengths_[at] = n;
  ++written_;
}

std::vector<std::string> RingLogSink::lines() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  const std::size_t held = std::min<std::uint64_t>(written_, slots_.size());
  for (std::size_t i = 0; i < held; ++i) {
    const std::size_t at = (written_ - held + i) % slots_.size();
    out.emplace_back(slots_[at].data(), lengths_[at]);
  }
  return out;
}

std::uint64_t RingLogSink::total_written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

LoggerMiddleware::LoggerMiddleware(LogSink& sink, DefectSet defects)
    : sink_(sink), alloc_defect_(defects.has(Defect::MiddlewareAlloc)) {}

void LoggerMiddleware::handle(Event& e, const Next& next) {
  const auto start = std::chrono::steady_clock::now();
  next(e);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  if (alloc_defect_) {
    // The bug: a fresh heap string per request.
    const std::string line = fmt::format("{} {} {} {}us {}", e.method, e.path, e.response.status, micros,
                                         e.request_id());
    sink_.write(line);
    return;
  }
  char buffer[kLineSize];
  const auto result = fmt::format_to_n(buffer, sizeof buffer, "{} {} {} {}us {}", e.method, e.path,
                                       e.response.status, micros, e.request_id());
  sink_.write({buffer, std::min<std::size_t>(result.size, sizeof buffer)});
}

// ---- Recovery -------------------------------------------------------------

void RecoveryMiddleware::handle(Event& e, const Next& next) {
  std::string_view what = "unknown exception";
  try {
    next(e);
    return;
  } catch (const std::exception& ex) {
    e.set("error", ex.what());
  } catch (...) {
    e.set("error", what);
  }
  recovered_.fetch_add(1, std::memory_order_relaxed);
  e.response.status = 500;
  e.response.headers.set("Content-Type", "text/plain");
  e.response.body.assign("internal server error\n");
}

// ---- CORS -----------------------------------------------------------------

CorsMiddleware::CorsMiddleware(CorsOptions options, DefectSet defects)
    : options_(std::move(options)),
      any_origin_(std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(), "*") !=
                  options_.allowed_origins.end()),
      max_age_text_(std::to_string(options_.max_age_seconds)),
      alloc_defect_(defects.has(Defect::MiddlewareAlloc)) {}

bool CorsMiddleware::origin_allowed(std::string_view origin) const {
  if (any_origin_) return true;
  return std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(), origin) !=
         options_.allowed_origins.end();
}

void CorsMiddleware::handle(Event& e, const Next& next) {
  const auto origin = e.headers.find("Origin");
  if (!origin || !origin_allowed(*origin)) {
    next(e);
    return;
  }
  const std::string_view allow = any_origin_ ? std::string_view("*") : *origin;
  if (alloc_defect_) {
    // The bug: each header line built as a fresh heap string, then split.
    const std::string line = fmt::format("Access-Control-Allow-Origin: {}", allow);
    const auto colon = line.find(':');
    e.response.headers.add(std::string_view(line).substr(0, colon), std::string_view(line).substr(colon + 2));
  } else {
    e.response.headers.add("Access-Control-Allow-Origin", allow);
  }
  if (!any_origin_) e.response.headers.add("Vary", "Origin");

  const bool preflight = e.method == "OPTIONS" && e.headers.find("Access-Control-Request-Method").has_value();
  if (!preflight) {
    next(e);
    return;
  }
  e.response.status = 204;
  e.response.headers.add("Access-Control-Allow-Methods", options_.allowed_methods);
  e.response.headers.add("Access-Control-Allow-Headers", options_.allowed_headers);
  e.response.headers.add("Access-Control-Max-Age", max_age_text_);
  e.response.body.clear();
}

// ---- Rate limiter ---------------------------------------------------------

std::string_view client_key(std::string_view remote_addr) {
  if (!remote_addr.empty() && remote_addr.front() == '[') {
    const auto close = remote_addr.find(']');
    if (close != std::string_view::npos) return remote_addr.substr(1, close - 1);
    return remote_addr;
  }
  const auto colon = remote_addr.find(':');
  if (colon != std::string_view::npos && remote_addr.find(':', colon + 1) == std::string_view::npos) {
    return remote_addr.substr(0, colon);
  }
  return remote_addr;
}

RateLimiterMiddleware::RateLimiterMiddleware(RateLimitOptions options) : options_(options) {
  if (options_.max_clients == 0) options_.max_clients = 1;
}

bool RateLimiterMiddleware::allow(std::string_view client, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_clients) evict_stalest();
    it = buckets_.emplace(std::string(client), Bucket{options_.burst, now}).first;
  }
  Bucket& b = it->second;
  if (now > b.last) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(options_.burst, b.tokens + elapsed * options_.tokens_per_second);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  rejected_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void RateLimiterMiddleware::evict_stalest() {
  auto stalest = buckets_.begin();
  for (auto it = buckets_.begin(); it != buckets_.end(); ++it) {
    if (it->second.last < stalest->second.last) stalest = it;
  }
  if (stalest != buckets_.end()) buckets_.erase(stalest);
}

std::size_t RateLimiterMiddleware::tracked_clients() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

void RateLimiterMiddleware::handle(Event& e, const Next& next) {
  // An event without a client address was dispatched in-process (tests,
  // leak cycles): there is no client to limit.
  if (e.remote_addr.empty() || allow(client_key(e.remote_addr), Clock::now())) {
    next(e);
    return;
  }
  e.response.status = 429;
  e.response.headers.set("Retry-After", "1");
  e.response.headers.set("Content-Type", "text/plain");
  e.response.body.assign("too many requests\n");
}

// ---- Request id -----------------------------------------------------------

namespace {

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > Event::kMaxRequestIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '_' || c == '.';
  });
}

}  // namespace

RequestIdMiddleware::RequestIdMiddleware(DefectSet defects)
    : alloc_defect_(defects.has(Defect::MiddlewareAlloc)) {
  std::random_device rd;
  const std::uint32_t r = rd();
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < prefix_.size(); ++i) prefix_[i] = kHex[(r >> (4 * i)) & 0xf];
}

void RequestIdMiddleware::handle(Event& e, const Next& next) {
  if (const auto given = e.headers.find("X-Request-Id"); given && acceptable_request_id(*given)) {
    e.set_request_id(*given);
  } else {
    const std::uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    const std::string_view prefix(prefix_.data(), prefix_.size());
    if (alloc_defect_) {
      // The bug: the id formatted into a fresh heap string.
      const std::string id = fmt::format("{}-{:016x}", prefix, n);
      e.set_request_id(id);
    } else {
      char buffer[Event::kMaxRequestIdLength];
      char* out = std::copy(prefix.begin(), prefix.end(), buffer);
      *out++ = '-';
      char digits[16];
      const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n, 16);
      (void)ec;  // 16 hex digits always fit a 64-bit value
      const auto len = static_cast<std::size_t>(end - digits);
      out = std::fill_n(out, sizeof digits - len, '0');
      out = std::copy(digits, end, out);
      e.set_request_id({buffer, static_cast<std::size_t>(out - buffer)});
    }
  }
  e.response.headers.add("X-Request-Id", e.request_id());
  next(e);
}

Chain make_default_chain(LogSink& sink, DefectSet defects, CorsOptions cors, RateLimitOptions rate) {
  Chain chain;
  chain.emplace<RequestIdMiddleware>(defects);
  chain.emplace<LoggerMiddleware>(sink, defects);
  chain.emplace<RecoveryMiddleware>();
  chain.emplace<CorsMiddleware>(std::move(cors), defects);
  chain.emplace<RateLimiterMiddleware>(rate);
  return chain;
}

}  // namespace vigil::framework
