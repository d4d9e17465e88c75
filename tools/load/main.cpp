// vigil-load: HTTP load over loopback that catches gradual degradation.
//
//   vigil-load http://127.0.0.1:8080/ [options]
//   vigil-load --spawn-server [--defect NAME]... [--profile] [options]
//   vigil-load [options] --spawn -- CMD ARGS...   ({port} and $PORT: a free port)
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "vigil/harness/defect_flags.hpp"
#include "vigil/harness/load/load_report.hpp"
#include "vigil/harness/load/load_run.hpp"
#include "vigil/harness/load/quantity.hpp"
#include "vigil/harness/load/summary.hpp"
#include "vigil/harness/progress.hpp"
#include "vigil/reports/report.hpp"
#include "vigil/harness/tool_cli.hpp"

namespace load = vigil::harness::load;
namespace rp = vigil::reports;
namespace hn = vigil::harness;

namespace {

constexpr const char* kTool = "vigil-load";

std::atomic<bool> g_interrupted{false};

void on_interrupt(int) { g_interrupted.store(true); }

// Options taken as text and parsed here, for one kind of message and range
// checks CLI11 cannot make (units, percentages, non-finite numbers).
struct TextOptions {
  std::string duration, window_seconds, warmup, timeout, startup_timeout, rate, start_at;
  std::string max_degradation = "5%", max_p99_rise = "25%", max_error_rate = "0.1%";
  std::string max_rss_per_mreq = "1048576";
  std::vector<std::string> slos;
};

// Parses the text options into `o`; the reason of the first bad one.
std::string apply_text_options(const TextOptions& t, load::LoadOptions& o) {
  using std::chrono::nanoseconds;
  using namespace std::chrono_literals;
  auto duration = [](const std::string& name, const std::string& text, nanoseconds min, nanoseconds max,
                     auto& out) -> std::string {
    if (text.empty()) return {};
    auto parsed = load::parse_duration(text, min, max);
    if (auto* reason = std::get_if<std::string>(&parsed)) return name + ": " + *reason;
    out = std::get<nanoseconds>(parsed).count();
    return {};
  };
  auto share = [](const std::string& name, const std::string& text, double max, double& out) -> std::string {
    auto parsed = load::parse_share(text, max);
    if (auto* reason = std::get_if<std::string>(&parsed)) return name + ": " + *reason;
    out = std::get<double>(parsed);
    return {};
  };
  std::string problem;
  load::Nanos warmup = -1;
  std::int64_t startup_ns = 0;
  for (auto p : {duration("--duration", t.duration, 100ms, 24h, o.duration),
                 duration("--window-seconds", t.window_seconds, 10ms, 1h, o.window_ns),
                 duration("--warmup", t.warmup, 0ns, 24h, warmup),
                 duration("--timeout", t.timeout, 1ms, 1h, o.timeout),
                 duration("--startup-timeout", t.startup_timeout, 10ms, 10min, startup_ns),
                 share("--max-degradation", t.max_degradation, 1.0, o.judge.max_degradation),
                 share("--max-p99-rise", t.max_p99_rise, 1000.0, o.judge.max_p99_rise),
                 share("--max-error-rate", t.max_error_rate, 1.0, o.judge.max_error_rate)}) {
    if (!p.empty()) return p;
  }
  if (warmup >= 0) o.warmup = warmup;
  if (startup_ns > 0) o.startup_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(nanoseconds(startup_ns));
  if (!t.rate.empty()) {
    auto rate = load::parse_number(t.rate, 0.001, 1e8);
    if (auto* reason = std::get_if<std::string>(&rate)) return "--rate: " + *reason;
    o.rate = std::get<double>(rate);
  }
  if (!t.start_at.empty()) {
    // Unix time in seconds; whether it is in the near future is checked at the start.
    auto at = load::parse_number(t.start_at, 1, 1e11);
    if (auto* reason = std::get_if<std::string>(&at)) return "--start-at: " + *reason;
    o.start_at_unix_ns = static_cast<std::int64_t>(std::get<double>(at) * 1e9);
  }
  auto rss = load::parse_number(t.max_rss_per_mreq, 0, 1e15);
  if (auto* reason = std::get_if<std::string>(&rss)) return "--max-rss-per-mreq: " + *reason;
  o.judge.max_rss_per_mreq = std::get<double>(rss);
  for (const auto& text : t.slos) {
    auto slo = load::parse_slo(text);
    if (auto* reason = std::get_if<std::string>(&slo)) return "--slo: " + *reason;
    o.judge.slos.push_back(std::get<load::Slo>(slo));
  }
  return {};
}

std::string run_line(const load::LoadOptions& o, const load::LoadResult& r) {
  const auto& c = r.config;
  const std::string mode = o.rate > 0 ? fmt::format("constant rate {:g} req/s", o.rate) : std::string("closed loop");
  return fmt::format("vigil-load: {}, {} connection(s), {} thread(s), pipeline {}; {} window(s) of {:g} s, "
                     "{:g} s warm-up\ntarget: {}{}\n",
                     mode, o.connections, o.threads, o.pipeline, r.record.windows.size(), c.value("window_s", 0.0),
                     c.value("warmup_s", 0.0), r.server_description, r.interrupted ? " (interrupted)" : "");
}

// The command line as parsed, before it becomes LoadOptions.
struct CommandLine {
  load::LoadOptions o;
  TextOptions text;
  vigil::harness::DefectFlags defect_flags;
  std::string json_path;
  bool spawn = false, no_pin = false;
  std::int64_t connections = 32, threads = 1, pipeline = 1, pid = 0, requests = 0, windows = 0, expect_status = 0;
  std::int64_t param_values = 1'000'000;
};

void add_target_options(CLI::App& app, CommandLine& c) {
  app.add_option("url", c.o.url, "loopback URL to load (http://127.0.0.1:PORT/PATH)");
  app.add_flag("--spawn-server", c.o.spawn_server, "start vigil-server on a free port (with --defect), stop it at the end");
  c.defect_flags.add_to(app, {"switch on a defect of the spawned vigil-server (repeatable)", "list the defects and exit"});
  app.add_flag("--profile", c.o.profile,
               "with --spawn-server: CPU profiles of the server over the first judged window and the last, in the "
               "report; a degradation finding names the functions that grew");
  app.add_option("--server-bin", c.o.server_bin, "the vigil-server to start (default: the one beside vigil-load)");
  app.add_flag("--spawn", c.spawn, "start the server command given after --, with {port} and $PORT set to a free port");
  hn::whole_number(app.add_option("--pid", c.pid, "sample the RSS and CPU of this running server (and its children)"), 1, 4194304);
  app.add_flag("--no-pin", c.no_pin, "do not pin the started server and the generator to different CPUs");
  app.add_option("--startup-timeout", c.text.startup_timeout, "how long a started server may take to listen (10s)");
}

void add_load_options(CLI::App& app, CommandLine& c) {
  hn::whole_number(app.add_option("-c,--connections", c.connections, "keep-alive connections"), 1, 100000)
      ->capture_default_str();
  hn::whole_number(app.add_option("-t,--threads", c.threads, "generator threads (event loops)"), 1, 256)
      ->capture_default_str();
  hn::whole_number(app.add_option("--pipeline", c.pipeline, "requests in flight per connection"), 1, 1024)
      ->capture_default_str();
  app.add_option("-d,--duration", c.text.duration, "how long, e.g. 30s, 2m (default 30s; with --requests: at most)");
  hn::whole_number(app.add_option("-n,--requests", c.requests, "stop after this many answers"), 1, 1'000'000'000'000);
  app.add_option("-R,--rate", c.text.rate,
                 "constant rate in requests/s over all connections (latency from the intended send time); "
                 "default: closed loop");
  app.add_option("-m,--method", c.o.method, "request method")->capture_default_str();
  app.add_option("--paths", c.o.paths_file,
                 "requests to send, \"[METHOD] PATH [WEIGHT]\" per line; :param and *param segments get a random "
                 "number");
  app.add_option("-H,--header", c.o.headers, "request header \"Name: value\" (repeatable)");
  app.add_option("--body", c.o.body, "request body (sent with Content-Length)");
  hn::whole_number(app.add_option("--param-values", c.param_values, "a :param segment is a random number in [1, N]"), 1, 1'000'000'000'000'000)
      ->capture_default_str();
  app.add_option("--timeout", c.text.timeout, "an answer later than this is a timeout error (5s)");
  hn::whole_number(app.add_option("--expect-status", c.expect_status, "any other status is an error"), 100, 599);
  app.add_option("--expect-body", c.o.expect_body, "a body without this text is an error");
}

void add_judge_options(CLI::App& app, CommandLine& c) {
  hn::whole_number(app.add_option("--windows", c.windows, "windows the run is cut into (default 20)"), 2, 10000);
  app.add_option("--window-seconds", c.text.window_seconds, "window length instead of --windows, e.g. 2 or 500ms");
  app.add_option("--warmup", c.text.warmup, "left out of every judgement (default: a tenth of the run)");
  app.add_option("--start-at", c.text.start_at,
                 "start at this Unix time (seconds) instead of now: generators on several machines share windows");
  app.add_option("--max-degradation", c.text.max_degradation, "throughput drop that fails, when the trend confirms it")
      ->capture_default_str();
  app.add_option("--max-p99-rise", c.text.max_p99_rise, "p99 rise that fails, when the trend confirms it")
      ->capture_default_str();
  app.add_option("--max-error-rate", c.text.max_error_rate, "errors per request that fail")->capture_default_str();
  app.add_option("--max-rss-per-mreq", c.text.max_rss_per_mreq,
                 "server memory growth per million requests (bytes) that fails, when steady")
      ->capture_default_str();
  app.add_option("--slo", c.text.slos, "objective, e.g. p99=50ms, error_rate=0.1%, rps=1000 (repeatable)");
  app.add_option("--json", c.json_path, "write the vigil.report/1 report to FILE");
}

// LoadOptions from the parsed command line; the reason when it is bad.
std::string finish_options(CommandLine& c, std::vector<std::string> command) {
  if (c.spawn != !command.empty()) {
    return c.spawn ? "--spawn needs the server command after --" : "a command after -- needs --spawn";
  }
  load::LoadOptions& o = c.o;
  o.spawn_command = std::move(command);
  if (auto problem = apply_text_options(c.text, o); !problem.empty()) return problem;
  o.connections = static_cast<std::uint32_t>(c.connections);
  o.threads = static_cast<std::uint32_t>(c.threads);
  o.pipeline = static_cast<std::uint32_t>(c.pipeline);
  o.requests = static_cast<std::uint64_t>(c.requests);
  o.windows = static_cast<std::size_t>(c.windows);
  o.param_values = static_cast<std::uint64_t>(c.param_values);
  o.pid = static_cast<pid_t>(c.pid);
  o.pin = !c.no_pin;
  if (c.expect_status > 0) o.expect_status = static_cast<int>(c.expect_status);
  std::error_code ec;
  o.self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return {};
}

void show_progress(hn::ProgressBar& bar, const load::LoadOptions& o, const load::LiveStatus& s) {
  const double done =
      s.planned_s > 0 ? s.elapsed_s / s.planned_s : static_cast<double>(s.responses) / static_cast<double>(o.requests);
  bar.update(static_cast<std::uint64_t>(std::min(1.0, done) * 1000),
             fmt::format("{:.0f} req/s, p99 {}, {} errors", s.throughput_rps,
                         load::format_duration(std::chrono::nanoseconds(static_cast<std::int64_t>(s.p99_ns))),
                         s.errors));
}

}  // namespace

int main(int argc, char** argv) {
  // Everything after "--" is the command of --spawn.
  std::vector<const char*> args;
  std::vector<std::string> command;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::strcmp(argv[i], "--") == 0) {
      command.assign(argv + i + 1, argv + argc);
      break;
    }
    args.push_back(argv[i]);
  }
  CLI::App app{"vigil-load: HTTP load over loopback; flags a server that gets slower or bigger as it serves"};
  CommandLine c;
  add_target_options(app, c);
  add_load_options(app, c);
  add_judge_options(app, c);
  if (auto exit = hn::parse_command_line(app, static_cast<int>(args.size()), args.data(), kTool, "(see --help)")) {
    return *exit;
  }
  vigil::harness::DefectSet defects;
  if (auto exit = c.defect_flags.resolve(kTool, defects)) return *exit;
  c.o.defects = defects.names();
  if (auto problem = finish_options(c, std::move(command)); !problem.empty()) return hn::bad_input(kTool, problem);

  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends vigil-load at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  load::LoadResult result;
  try {
    hn::ProgressBar bar("load", 1000);
    result = load::run_load(c.o, [&](const load::LiveStatus& s) { show_progress(bar, c.o, s); }, g_interrupted);
    bar.finish();
  } catch (const std::exception& e) {
    return hn::bad_input(kTool, e.what());
  }
  fmt::print("{}\n{}", run_line(c.o, result), load::format_summary(result.record, result.analysis));
  const rp::Report report =
      load::make_load_report(result.record, result.analysis, result.judge, result.config, std::move(result.profiles));
  return hn::write_report_and_exit_code(report, c.json_path, kTool);
}
