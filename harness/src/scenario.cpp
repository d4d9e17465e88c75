#include "vigil/harness/scenario.hpp"

#include <array>
#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "vigil/framework/http/message.hpp"
#include "vigil/framework/pipeline/app.hpp"
#include "vigil/harness/catalog.hpp"
#include "vigil/harness/defects.hpp"
#include "vigil/harness/random.hpp"
#include "vigil/harness/reference_service.hpp"

namespace vigil::harness {

using namespace framework;
namespace {

constexpr std::array<ScenarioInfo, 3> kScenarios{{
    {Scenario::Api, "api", "mixed API: params, queries, headers, bodies, CORS preflights, 404s, new users"},
    {Scenario::RandomPaths, "random-paths", "a path never seen before on every request"},
    {Scenario::Burst, "burst", "bursts of requests on a few long-lived connections"},
}};

constexpr std::uint32_t kApiConnections = 16;
constexpr std::uint32_t kBurstConnections = 4;
constexpr std::uint64_t kBurstLength = 48;
constexpr std::uint64_t kRegularUsers = 100;
constexpr Catalog<ScenarioInfo> kCatalog{kScenarios};

// Scatters ids and chains the generator's state (one SplitMix64 step each).
constexpr std::uint64_t mix(std::uint64_t x) { return splitmix64(x); }

void fill_body(std::string& body, std::size_t size, std::uint64_t salt) {
  body.clear();
  for (std::size_t i = 0; i < size; ++i) body.push_back(static_cast<char>('a' + (i + salt) % 26));
}

}  // namespace

std::span<const ScenarioInfo> scenario_catalog() { return kCatalog.entries(); }

std::string_view scenario_name(Scenario s) { return kCatalog.name(s); }

std::optional<Scenario> parse_scenario(std::string_view name) { return kCatalog.parse(name); }

std::string scenario_names() { return kCatalog.names(); }

// ---- RequestGenerator ------------------------------------------------------

RequestGenerator::RequestGenerator(Scenario scenario, std::uint64_t seed)
    : scenario_(scenario), state_(mix(seed)), users_(kRegularUsers) {}

std::uint64_t RequestGenerator::random() {
  state_ = mix(state_);
  return state_;
}

void RequestGenerator::next(SyntheticRequest& r) {
  r.method = Method::GET;
  r.path.clear();
  r.query.clear();
  r.headers.clear();
  r.body.clear();
  switch (scenario_) {
    case Scenario::Api: next_api(r); break;
    case Scenario::RandomPaths: next_random_path(r); break;
    case Scenario::Burst: next_burst(r); break;
  }
  ++count_;
}

void RequestGenerator::next_api(SyntheticRequest& r) {
  r.connection = static_cast<std::uint32_t>(count_ % kApiConnections);
  r.headers.add("Host", "api.example.test");
  r.headers.add("User-Agent", "vigil-leak-test/1");
  r.headers.add("Accept", "application/json");
  const std::uint64_t pick = random();
  // User ids as a database hands them out: decimal, counting up, so they get
  // longer as the service lives. Most requests are for the first users (the
  // regulars), some for any user so far, and now and then a user signs up.
  const bool new_user = pick % 8 == 6 && (pick & (1ULL << 32)) == 0;
  std::uint64_t user = 0;
  if (new_user) {
    user = ++users_;
  } else if ((pick >> 33) % 4 == 0) {
    user = 1 + (pick >> 8) % users_;
  } else {
    user = 1 + (pick >> 8) % kRegularUsers;
  }
  const std::uint64_t n = (pick >> 40) % 500;
  switch (pick % 8) {
    case 0: r.path = "/"; break;
    case 1: r.path = "/json"; break;
    case 2:
      fmt::format_to(std::back_inserter(r.path), "/users/{}", user);
      fmt::format_to(std::back_inserter(r.query), "fields=name%2Cemail&page={}", n % 7);
      break;
    case 3:
      fmt::format_to(std::back_inserter(r.path), "/users/{}", user);
      r.headers.add("X-Request-Id", fmt::format("client-req-{}", count_ + 1));
      r.headers.add("Origin", "https://app.example.test");
      break;
    case 4:
      r.method = Method::POST;
      r.path = "/echo";
      r.headers.add("Content-Type", "application/json");
      fill_body(r.body, 64 + (pick >> 16) % 448, pick);
      break;
    case 5:
      r.method = Method::HEAD;
      r.path = "/json";
      break;
    case 6:
      if (new_user) {
        fmt::format_to(std::back_inserter(r.path), "/users/{}", user);
      } else {
        fmt::format_to(std::back_inserter(r.path), "/no/such/page-{}", n % 9);  // 404
      }
      break;
    default:  // CORS preflight
      r.method = Method::OPTIONS;
      fmt::format_to(std::back_inserter(r.path), "/users/{}", user);
      r.headers.add("Origin", "https://app.example.test");
      r.headers.add("Access-Control-Request-Method", "POST");
      break;
  }
}

void RequestGenerator::next_random_path(SyntheticRequest& r) {
  r.connection = static_cast<std::uint32_t>(count_ % kApiConnections);
  r.headers.add("Host", "api.example.test");
  // Never seen before: the request counter, in decimal (ids get longer).
  if (random() % 4 == 0) {
    fmt::format_to(std::back_inserter(r.path), "/missing/{}", count_ + 1);  // 404s are cached too
  } else {
    fmt::format_to(std::back_inserter(r.path), "/users/{}", count_ + 1);
  }
}

void RequestGenerator::next_burst(SyntheticRequest& r) {
  r.connection = static_cast<std::uint32_t>((count_ / kBurstLength) % kBurstConnections);
  r.headers.add("Host", "stream.example.test");
  const std::uint64_t pick = random();
  if (pick % 2 == 0) {
    r.method = Method::POST;
    r.path = "/echo";
    r.headers.add("Content-Type", "application/octet-stream");
    fill_body(r.body, 128 + (pick >> 8) % 3968, pick);
  } else {
    fmt::format_to(std::back_inserter(r.path), "/users/{}", 1 + (pick >> 8) % 50);
  }
}

// ---- ScenarioRunner --------------------------------------------------------

namespace {

AppOptions app_options(const ScenarioOptions& o) {
  AppOptions a;
  a.route_cache.capacity = o.route_cache_capacity;
  a.batch.batch_size = o.batch_size;
  return apply_defects(o.defects, a);
}

}  // namespace

struct ScenarioRunner::Core {
  explicit Core(const ScenarioOptions& o)
      : app_holder(make_reference_app(app_options(o))), generator(o.scenario, o.seed) {
    worker = app.make_worker();
  }

  void handle_one() {
    generator.next(request);
    const SyntheticRequest& r = request;
    while (sessions.size() <= r.connection) {
      const auto n = static_cast<unsigned>(sessions.size());
      sessions.push_back(app.open_session(fmt::format("10.0.{}.{}:{}", n / 256, n % 256, 40000 + n)));
    }
    target.assign(r.path);
    if (!r.query.empty()) {
      target.push_back('?');
      target.append(r.query);
    }
    headers.clear();
    for (const auto& [name, value] : r.headers) headers.push_back({name, value});
    if (!r.body.empty()) {
      content_length = std::to_string(r.body.size());
      headers.push_back({"Content-Length", content_length});
    }

    http::Request req;
    req.method = to_string(r.method);
    req.target = target;
    req.path = std::string_view(target).substr(0, r.path.size());
    req.query = r.query;
    req.headers = headers;
    req.body = r.body;
    app.handle(*worker, *sessions[r.connection], req, response);
  }

  std::unique_ptr<App> app_holder;
  App& app = *app_holder;
  std::unique_ptr<Worker> worker;
  std::vector<std::unique_ptr<Session>> sessions;  // one per simulated connection
  RequestGenerator generator;
  SyntheticRequest request;
  std::string target;
  std::string content_length;
  std::vector<http::Header> headers;
  http::Response response;
};

ScenarioRunner::ScenarioRunner(ScenarioOptions options)
    : core_(std::make_unique<Core>(options)) {}

ScenarioRunner::~ScenarioRunner() = default;

void ScenarioRunner::run(std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) core_->handle_one();
}

ScenarioState ScenarioRunner::state() const {
  const AppStats a = core_->app.stats();
  ScenarioState s;
  s.requests = a.requests;
  auto status_class = [&s](int status) -> std::uint64_t* {
    if (status >= 200 && status < 300) return &s.status_2xx;
    if (status >= 400 && status < 500) return &s.status_4xx;
    if (status >= 500) return &s.status_5xx;
    return nullptr;
  };
  for (const auto& [status, count] : a.responses_by_status) {
    if (std::uint64_t* n = status_class(status)) *n += count;
  }
  s.route_cache_entries = a.route_cache_entries;
  s.arena_bytes_reserved = a.arena_bytes_reserved;
  s.history_entries = a.history_entries;
  s.connections = core_->sessions.size();
  s.batch_workers_started = a.batch_workers_started;
  s.pool_acquires = a.pool.acquires;
  s.pool_reuses = a.pool.reuses;
  return s;
}

}  // namespace vigil::harness
