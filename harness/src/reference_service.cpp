#include "vigil/harness/reference_service.hpp"

#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "vigil/framework/memory/arena.hpp"
#include "vigil/framework/pipeline/response_cache.hpp"
#include "vigil/framework/text/json_writer.hpp"

namespace vigil::harness {
namespace {

using framework::Event;

constexpr std::size_t kResponseCacheEntries = 64;

void hello(Event& e) {
  e.response.headers.set("Content-Type", "text/plain");
  e.response.body.assign("Hello, World!");
}

// A static document: rendered once, then served from the response cache.
void hello_json(framework::ResponseCache& cache, Event& e) {
  e.response.headers.set("Content-Type", "application/json");
  if (cache.get_into(e.path, e.response.body)) return;
  framework::JsonWriter(e.response.body).begin_object().field("message", "Hello, World!").end_object();
  cache.put(e.path, e.response.body, framework::ResponseCache::Duration::zero(), {"static"});
}

void user(Event& e) {
  const std::string_view id = *e.params.find("id");
  // The display name is request-scoped scratch: it lives in the arena.
  constexpr std::string_view kPrefix = "user-";
  char* name = e.arena->allocate_array<char>(kPrefix.size() + id.size());
  std::memcpy(name, kPrefix.data(), kPrefix.size());
  std::memcpy(name + kPrefix.size(), id.data(), id.size());
  e.set("user.id", id);
  e.response.headers.set("Content-Type", "application/json");
  framework::JsonWriter(e.response.body)
      .begin_object()
      .field("id", id)
      .field("name", std::string_view(name, kPrefix.size() + id.size()))
      .end_object();
}

void echo(Event& e) {
  const std::optional<std::string_view> type = e.headers.find("Content-Type");
  const std::string_view content_type = type ? *type : "application/octet-stream";
  e.set("echo.content_type", content_type);
  e.response.headers.set("Content-Type", content_type);
  e.response.body.assign(e.body);
}

}  // namespace

void add_reference_service(framework::App& app) {
  app.use_default_middleware();
  app.get("/", hello);
  auto cache = std::make_shared<framework::ResponseCache>(kResponseCacheEntries);
  app.get("/json", [cache](Event& e) { hello_json(*cache, e); });
  app.get("/users/:id", user);
  app.post("/echo", echo);
  app.get("/metrics", [&app](Event& e) {
    e.response.headers.set("Content-Type", "text/plain; version=0.0.4");
    app.append_metrics(e.response.body);
  });
}

std::unique_ptr<framework::App> make_reference_app(framework::AppOptions options) {
  auto app = std::make_unique<framework::App>(std::move(options));
  add_reference_service(*app);
  return app;
}

}  // namespace vigil::harness
