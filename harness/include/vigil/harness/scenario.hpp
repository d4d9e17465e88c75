#pragma once
// Synthetic request workloads that drive the reference core in-process, for
// the leak test: a deterministic generator of requests per scenario, and a
// runner that hands each request to the reference service exactly as the
// server does (one worker, one session per simulated connection), with the
// defects asked for. No sockets: what grows, grows in the core.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vigil/harness/defects.hpp"
#include "vigil/framework/pipeline/batch_worker.hpp"
#include "vigil/framework/routing/method.hpp"
#include "vigil/framework/text/field_list.hpp"

namespace vigil::harness {

enum class Scenario : std::uint8_t {
  Api,          // mixed API: params, queries, headers, bodies, CORS preflights, 404s, new users
  RandomPaths,  // every request a path never seen before (route cache churn)
  Burst,        // bursts of requests on a few long-lived connections
};

struct ScenarioInfo {
  Scenario value;
  std::string_view name;         // CLI name, e.g. "random-paths"
  std::string_view description;  // one line
};

std::span<const ScenarioInfo> scenario_catalog();
std::string_view scenario_name(Scenario s);
std::optional<Scenario> parse_scenario(std::string_view name);
// "api, random-paths, burst" (for help texts and error messages).
std::string scenario_names();

// One synthetic request, reused from request to request (capacity kept).
struct SyntheticRequest {
  framework::Method method = framework::Method::GET;
  std::string path;
  std::string query;  // without '?'
  framework::FieldList headers;
  std::string body;
  std::uint32_t connection = 0;  // simulated connection it arrives on
};

// Deterministic: the same scenario and seed give the same requests.
class RequestGenerator {
 public:
  explicit RequestGenerator(Scenario scenario, std::uint64_t seed = 1);
  void next(SyntheticRequest& request);
  std::uint64_t generated() const { return count_; }

 private:
  std::uint64_t random();
  void next_api(SyntheticRequest& r);
  void next_random_path(SyntheticRequest& r);
  void next_burst(SyntheticRequest& r);

  Scenario scenario_;
  std::uint64_t state_;
  std::uint64_t count_ = 0;
  std::uint64_t users_;  // users signed up so far (Api): ids 1..users_
};

struct ScenarioOptions {
  Scenario scenario = Scenario::Api;
  DefectSet defects;
  std::uint64_t seed = 1;
  // Smaller than the server's 1024: route-cache-unbounded shows only once
  // the cache holds more paths than its capacity, and the api scenario meets
  // 1024 distinct paths after ~20000 requests, 128 after ~700.
  std::size_t route_cache_capacity = 128;
  std::size_t batch_size = framework::BatchWorkerOptions{}.batch_size;  // requests per batch worker, as the server
};

// What the core holds after some requests (tests check the defects with it).
struct ScenarioState {
  std::uint64_t requests = 0;
  std::uint64_t status_2xx = 0, status_4xx = 0, status_5xx = 0;
  std::size_t route_cache_entries = 0;
  std::size_t arena_bytes_reserved = 0;
  std::size_t history_entries = 0;  // buffer history entries, over all connections
  std::size_t connections = 0;
  std::uint64_t batch_workers_started = 0;
  std::uint64_t pool_acquires = 0, pool_reuses = 0;
};

class ScenarioRunner {
 public:
  explicit ScenarioRunner(ScenarioOptions options);
  ~ScenarioRunner();
  ScenarioRunner(const ScenarioRunner&) = delete;
  ScenarioRunner& operator=(const ScenarioRunner&) = delete;

  // Generates and handles `n` requests, one after the other.
  void run(std::size_t n);
  ScenarioState state() const;

 private:
  struct Core;
  std::unique_ptr<Core> core_;
};

}  // namespace vigil::harness
