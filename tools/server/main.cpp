// vigil-server: the reference service on the network.
//
// The FIRST line of stdout is the port number alone (useful with --port 0),
// so that tools starting the server can read it. With --debug-port, the
// second line is "debug <port>" (the CPU profile endpoint's listener).
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "profile_endpoint.hpp"
#include "vigil/framework/http/app_service.hpp"
#include "vigil/framework/http/server.hpp"
#include "vigil/harness/defect_flags.hpp"
#include "vigil/harness/reference_service.hpp"
#include "vigil/harness/tool_cli.hpp"
#include "vigil/reports/report.hpp"

namespace {

using vigil::framework::AppStats;
namespace http = vigil::framework::http;
namespace harness = vigil::harness;
namespace reports = vigil::reports;

constexpr const char* kTool = "vigil-server";
// Option bounds: a request head must hold at least a request line and a Host
// field; a day is the longest timeout that is not a typo.
constexpr std::uint64_t kMinHeadBytes = 64, kMaxHeadBytes = 1 << 20, kMaxBodyBytes = std::uint64_t{1} << 32;
constexpr std::uint64_t kMaxTimeoutMs = 86'400'000;

struct Options {
  http::ServerOptions server;
  harness::DefectSet defects;
  std::string json_path;
  std::size_t header_timeout_ms = 10'000, idle_timeout_ms = 60'000, grace_ms = 10'000;
  std::optional<std::uint16_t> debug_port;
};

void add_options(CLI::App& cli, Options& o, harness::DefectFlags& defect_flags) {
  cli.add_option("--host", o.server.host, "Numeric address to listen on")->capture_default_str();
  harness::whole_number(cli.add_option("--port", o.server.port, "Port; 0 picks a free one (printed on the first line)"),
                        0, 65'535)
      ->capture_default_str();
  harness::whole_number(cli.add_option("--threads", o.server.threads, "Event loops (0: one per core)"), 0, 256)
      ->capture_default_str();
  defect_flags.add_to(cli, {"Switch on a defect of the catalog (repeatable)", "List the defect catalog and exit"});
  harness::whole_number(
      cli.add_option("--max-body", o.server.limits.max_body_bytes, "Largest request body in bytes (413 above)"), 0,
      kMaxBodyBytes)
      ->capture_default_str();
  harness::whole_number(cli.add_option("--max-head", o.server.limits.max_head_bytes,
                                       "Largest request line + headers in bytes (431 above)"),
                        kMinHeadBytes, kMaxHeadBytes)
      ->capture_default_str();
  harness::whole_number(
      cli.add_option("--max-headers", o.server.limits.max_headers, "Most header fields (431 above), at most 100"), 1,
      100)
      ->capture_default_str();
  harness::whole_number(cli.add_option("--header-timeout-ms", o.header_timeout_ms,
                                       "Deadline for a request head (slowloris)"),
                        1, kMaxTimeoutMs)
      ->capture_default_str();
  harness::whole_number(cli.add_option("--idle-timeout-ms", o.idle_timeout_ms,
                                       "Idle keep-alive connections close after this"),
                        1, kMaxTimeoutMs)
      ->capture_default_str();
  harness::whole_number(cli.add_option("--shutdown-grace-ms", o.grace_ms,
                                       "Time requests in flight get on SIGINT/SIGTERM"),
                        0, kMaxTimeoutMs)
      ->capture_default_str();
  cli.add_option("--json", o.json_path, "Write a vigil.report/1 report of the run on shutdown");
  cli.add_option("--debug-port", o.debug_port,
                 "Serve GET /debug/pprof/profile|folded?seconds=N (CPU profile) on 127.0.0.1:PORT, "
                 "0 picks a free one (printed on the second line)");
}

// SIGINT/SIGTERM are taken synchronously by one thread (every thread started
// after this inherits the mask), which asks the server to stop.
sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

// Serves until a stop signal; returns kExitProblem when an event loop failed.
int serve_until_stopped(http::Server& server, const sigset_t& stop_signals) {
  std::atomic<bool> done{false};
  std::thread signal_waiter([&] {
    timespec tick{0, 100'000'000};
    while (!done.load()) {
      int sig = sigtimedwait(&stop_signals, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        server.stop();
        return;
      }
    }
  });
  int exit_code = reports::kExitClean;
  try {
    server.run();
  } catch (const std::exception& e) {
    std::cerr << kTool << ": " << e.what() << "\n";
    exit_code = reports::kExitProblem;
  }
  done = true;
  signal_waiter.join();
  return exit_code;
}

// The run's counters as a vigil.report/1 report; the verdict fails when the
// pipeline answered with 5xx (it never should).
reports::Report make_run_report(const AppStats& s, const Options& o, const http::Server& server) {
  reports::Report r = reports::make_report("server");
  r.config = {{"host", o.server.host},
              {"port", server.port()},
              {"threads", server.threads()},
              {"defects", o.defects.names()},
              {"max_body", o.server.limits.max_body_bytes},
              {"header_timeout_ms", o.header_timeout_ms},
              {"idle_timeout_ms", o.idle_timeout_ms}};
  std::uint64_t server_errors = 0;
  for (auto [code, n] : s.responses_by_status) {
    if (code >= 500) server_errors += n;
  }
  std::uint64_t lookups = s.route_cache.hits + s.route_cache.misses;
  r.set_metric("server.requests", static_cast<double>(s.requests), "requests", reports::Better::None);
  r.set_metric("server.responses_5xx", static_cast<double>(server_errors), "responses",
               reports::Better::Lower);
  r.set_metric("pool.reuse_ratio", s.pool.reuse_ratio(), "ratio", reports::Better::Higher);
  r.set_metric("route_cache.hit_ratio",
               lookups == 0 ? 0.0 : static_cast<double>(s.route_cache.hits) / static_cast<double>(lookups),
               "ratio", reports::Better::Higher);
  r.set_metric("arena.bytes_reserved", static_cast<double>(s.arena_bytes_reserved), "bytes",
               reports::Better::Lower);
  if (server_errors > 0) {
    reports::Finding f;
    f.kind = "server-error";
    f.message = fmt::format("{} responses with status 5xx", server_errors);
    f.count = static_cast<double>(server_errors);
    r.add_finding(std::move(f));
  }
  r.verdict = r.has_error_findings() ? reports::Verdict::Fail : reports::Verdict::Pass;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"vigil-server: the Vigil reference HTTP/1.1 server"};
  Options o;
  harness::DefectFlags defect_flags;
  add_options(cli, o, defect_flags);
  if (auto exit = harness::parse_command_line(cli, argc, argv, kTool, "(see --help)")) return *exit;
  if (auto exit = defect_flags.resolve(kTool, o.defects)) return *exit;
  o.server.timeouts.header = std::chrono::milliseconds(o.header_timeout_ms);
  o.server.timeouts.idle = std::chrono::milliseconds(o.idle_timeout_ms);
  o.server.timeouts.shutdown_grace = std::chrono::milliseconds(o.grace_ms);

  const sigset_t stop_signals = block_stop_signals();
  const auto app = harness::make_reference_app(harness::apply_defects(o.defects));
  http::AppService service(*app);
  http::Server server(o.server, service);
  std::unique_ptr<vigil::serverdebug::DebugListener> debug;
  try {
    server.listen();
    if (o.debug_port) debug = std::make_unique<vigil::serverdebug::DebugListener>(*o.debug_port);
  } catch (const std::exception& e) {
    return harness::bad_input(kTool, e.what());
  }
  std::cout << server.port() << "\n";
  if (debug) {
    debug->start();
    std::cout << "debug " << debug->port() << "\n";
  }
  std::cout
            << fmt::format("vigil-server listening on http://{}:{}/ ({} threads, defects: {})\n",
                           o.server.host, server.port(), server.threads(),
                           o.defects.empty() ? "none" : fmt::format("{}", fmt::join(o.defects.names(), ", ")))
            << std::flush;

  const int exit_code = serve_until_stopped(server, stop_signals);
  debug.reset();
  const AppStats stats = app->stats();
  std::cout << fmt::format("vigil-server stopped: {} requests, pool reuse {:.3f}, route cache {} hits / {} misses\n",
                           stats.requests, stats.pool.reuse_ratio(), stats.route_cache.hits,
                           stats.route_cache.misses);
  const reports::Report report = make_run_report(stats, o, server);
  // The worse of the run's and the report's codes (0 < 1 < 2).
  return std::max(exit_code, harness::write_report_and_exit_code(report, o.json_path, kTool));
}
