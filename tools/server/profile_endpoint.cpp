#include "profile_endpoint.hpp"

#include <charconv>
#include <chrono>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "vigil/framework/http/app_service.hpp"
#include "vigil/framework/http/server.hpp"
#include "vigil/framework/pipeline/app.hpp"
#include "vigil/profilers/cpu_profiler.hpp"
#include "vigil/reports/profile_io.hpp"

namespace vigil::serverdebug {
namespace {

namespace http = framework::http;
constexpr unsigned kHz = 99;
constexpr int kMaxSeconds = 60, kDefaultSeconds = 30;

bool is_loopback(std::string_view remote) {
  return remote.starts_with("127.") || remote.starts_with("[::1]") || remote.starts_with("::1");
}

// Profiles this process for ?seconds=N (default 30) and answers with
// `encode(profile)`: pprof's gzipped protobuf, or folded stacks.
template <std::string (*encode)(const reports::Profile&)>
void take_profile(framework::Event& e, const char* content_type) {
  e.response.headers.set("Content-Type", "text/plain");
  if (!is_loopback(e.remote_addr)) {
    e.response.status = 403;
    e.response.body = "profiles are served to loopback peers only\n";
    return;
  }
  int seconds = kDefaultSeconds;
  if (const auto given = e.query_params.find("seconds")) {
    const auto [end, err] = std::from_chars(given->data(), given->data() + given->size(), seconds);
    if (err != std::errc() || end != given->data() + given->size() || seconds < 1 || seconds > kMaxSeconds) {
      e.response.status = 400;
      e.response.body = fmt::format("seconds must be within 1..{}\n", kMaxSeconds);
      return;
    }
  }
  try {
    profilers::CpuProfiler profiler(kHz);
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    e.response.body = encode(profiler.stop());
    e.response.headers.set("Content-Type", content_type);
  } catch (const profilers::CpuProfilerError& error) {
    e.response.status = 409;
    e.response.body = std::string(error.what()) + "\n";
  }
}

}  // namespace

struct DebugListener::Impl {
  framework::App app;
  http::AppService service{app};
  http::Server server;
  std::thread thread;

  explicit Impl(std::uint16_t port) : server(options(port), service) {
    app.get("/debug/pprof/profile",
            [](framework::Event& e) { take_profile<reports::to_pprof_gz>(e, "application/octet-stream"); });
    app.get("/debug/pprof/folded", [](framework::Event& e) { take_profile<reports::to_folded>(e, "text/plain"); });
  }
  static http::ServerOptions options(std::uint16_t port) {
    http::ServerOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.threads = 1;
    return o;
  }
};

DebugListener::DebugListener(std::uint16_t port) : impl_(std::make_unique<Impl>(port)) { impl_->server.listen(); }

DebugListener::~DebugListener() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t DebugListener::port() const { return impl_->server.port(); }

void DebugListener::start() {
  impl_->thread = std::thread([impl = impl_.get()] { impl->server.run(); });
}

}  // namespace vigil::serverdebug
