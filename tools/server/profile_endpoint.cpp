#include "profile_endpoint.hpp"

#include <chrono>
#include <optional>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "vigil/framework/http/app_service.hpp"
#include "vigil/framework/http/thread_per_connection_server.hpp"
#include "vigil/framework/pipeline/app.hpp"
#include "vigil/harness/tool_cli.hpp"
#include "vigil/profilers/cpu_profiler.hpp"
#include "vigil/reports/profile_io.hpp"

namespace vigil::serverdebug {
namespace {

namespace http = framework::http;
constexpr double kMinSeconds = 0.01, kMaxSeconds = 60, kDefaultSeconds = 30;
// 99 Hz as Go's pprof samples; a caller judging a short window asks for more
// (CPU timers fire at the kernel's ticks, so above ~250 Hz adds nothing).
constexpr unsigned kDefaultHz = 99;

bool is_loopback(std::string_view remote) {
  return remote.starts_with("127.") || remote.starts_with("[::1]") || remote.starts_with("::1");
}

// How a profile goes on the wire.
struct Encoding {
  std::string (*encode)(const reports::Profile&);
  const char* content_type;
};
constexpr Encoding kPprof{reports::to_pprof_gz, "application/octet-stream"};
constexpr Encoding kFolded{reports::to_folded, "text/plain"};
constexpr Encoding kJson{reports::to_profile_json, "application/json"};

void refuse(framework::Event& e, int status, std::string reason) {
  e.response.status = status;
  e.response.body = std::move(reason);
}

// The query parameter `name` as a number in [min, max], `fallback` when it
// is absent; nullopt when it is there but not such a number.
template <typename Number>
std::optional<Number> query_number(const framework::Event& e, std::string_view name, Number min, Number max,
                                   Number fallback) {
  const auto given = e.query_params.find(name);
  return given ? harness::number_in(*given, min, max) : std::optional<Number>(fallback);
}

// A profile asked for right as another one ends (back-to-back windows of a
// load run) waits for it: sampling stops before that answer is symbolized.
constexpr auto kWaitForRunningProfile = std::chrono::milliseconds(250);

// Profiles this process for ?seconds=N (default 30; fractional, so that a
// load generator can cover one window of its run) at ?hz=N samples per
// CPU-second of each thread, and answers `encoding`.
void take_profile(framework::Event& e, const Encoding& encoding) {
  e.response.headers.set("Content-Type", "text/plain");
  if (!is_loopback(e.remote_addr)) return refuse(e, 403, "profiles are served to loopback peers only\n");
  const auto seconds = query_number(e, "seconds", kMinSeconds, kMaxSeconds, kDefaultSeconds);
  if (!seconds) return refuse(e, 400, fmt::format("seconds must be within {:g}..{:g}\n", kMinSeconds, kMaxSeconds));
  const auto hz = query_number(e, "hz", 1u, profilers::CpuProfiler::kMaxHz, kDefaultHz);
  if (!hz) {
    return refuse(e, 400, fmt::format("hz must be a whole number within 1..{}\n", profilers::CpuProfiler::kMaxHz));
  }
  try {
    profilers::CpuProfiler profiler(*hz, profilers::CpuProfiler::kDefaultDepth, kWaitForRunningProfile);
    std::this_thread::sleep_for(std::chrono::duration<double>(*seconds));
    e.response.body = encoding.encode(profiler.stop());
    e.response.headers.set("Content-Type", encoding.content_type);
  } catch (const profilers::CpuProfilerError& error) {
    refuse(e, 409, std::string(error.what()) + "\n");
  }
}

// /debug/pprof/profile answers pprof's format unless ?format=json asks for
// the report's own form of a profile.
void take_profile_in_format(framework::Event& e) {
  const auto format = e.query_params.find("format");
  if (!format || *format == "pprof") return take_profile(e, kPprof);
  if (*format == "json") return take_profile(e, kJson);
  e.response.headers.set("Content-Type", "text/plain");
  refuse(e, 400, "format must be pprof or json\n");
}

}  // namespace

struct DebugListener::Impl {
  framework::App app;
  http::AppService service{app};
  http::ThreadPerConnectionServer server;

  explicit Impl(std::uint16_t port) : server(options(port), service) {
    app.get("/debug/pprof/profile", take_profile_in_format);
    app.get("/debug/pprof/folded", [](framework::Event& e) { take_profile(e, kFolded); });
  }
  static http::ThreadPerConnectionOptions options(std::uint16_t port) {
    http::ThreadPerConnectionOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    return o;
  }
};

DebugListener::DebugListener(std::uint16_t port) : impl_(std::make_unique<Impl>(port)) { impl_->server.listen(); }

DebugListener::~DebugListener() { impl_->server.stop(); }

std::uint16_t DebugListener::port() const { return impl_->server.port(); }

void DebugListener::start() { impl_->server.start(); }

}  // namespace vigil::serverdebug
