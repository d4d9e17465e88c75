#include "vigil/harness/load/load_run.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "vigil/harness/load/generator.hpp"
#include "vigil/harness/load/grown_functions.hpp"
#include "vigil/harness/load/process_stats.hpp"
#include "vigil/harness/load/server_process.hpp"
#include "vigil/harness/load/target.hpp"
#include "vigil/harness/load/window_profiles.hpp"

namespace vigil::harness::load {
namespace {

constexpr Nanos kSecond = 1'000'000'000;
constexpr Nanos kDefaultDuration = 30 * kSecond;
constexpr std::size_t kDefaultWindows = 20;
constexpr Nanos kDefaultRequestsWindow = kSecond;
// A --requests run without --duration stops after this all the same.
constexpr Nanos kMaxOpenEndedRun = 3600 * kSecond;
constexpr Nanos kProgressTick = 100'000'000;
// The threads connect before the clock starts.
constexpr Nanos kStartDelay = 50'000'000;
// After the run, how long the last window's profile may take to arrive (the
// server symbolizes it first).
constexpr Nanos kProfileWait = 60 * kSecond;

struct Plan {
  Nanos window_ns = 0;
  std::size_t windows = 0;  // 0: open-ended (a --requests run)
  Nanos limit = 0;          // the run stops here at the latest
  std::size_t warmup_windows = 1;
};

Plan plan_windows(const LoadOptions& o) {
  Plan p;
  if (o.requests > 0) {
    if (o.windows > 0) throw std::invalid_argument("--windows needs --duration; with --requests use --window-seconds");
    p.window_ns = o.window_ns > 0 ? o.window_ns : kDefaultRequestsWindow;
    p.limit = o.duration > 0 ? o.duration : kMaxOpenEndedRun;
  } else {
    const Nanos duration = o.duration > 0 ? o.duration : kDefaultDuration;
    if (o.window_ns > 0) {
      if (o.window_ns > duration) throw std::invalid_argument("--window-seconds is longer than --duration");
      p.window_ns = o.window_ns;
      p.windows = static_cast<std::size_t>((duration + o.window_ns - 1) / o.window_ns);
    } else {
      p.windows = o.windows > 0 ? o.windows : kDefaultWindows;
      p.window_ns = duration / static_cast<Nanos>(p.windows);
      if (p.window_ns < 10'000'000) throw std::invalid_argument("windows shorter than 10 ms: fewer --windows, or a longer --duration");
    }
    p.limit = duration;
  }
  const Nanos warmup = o.warmup ? *o.warmup : (p.windows > 0 ? p.limit / 10 : p.window_ns);
  p.warmup_windows = std::max<std::size_t>(1, static_cast<std::size_t>((warmup + p.window_ns - 1) / p.window_ns));
  if (o.warmup && *o.warmup == 0) p.warmup_windows = 0;
  return p;
}

// The windows --profile covers, from the run's start: the first judged one
// and the last.
std::vector<ProfileWindow> profile_windows(const LoadOptions& o, const Plan& p) {
  if (!o.profile) return {};
  if (p.windows < p.warmup_windows + 2) {
    throw std::invalid_argument("--profile needs two windows or more after the warm-up");
  }
  const Nanos length = std::min(p.window_ns, WindowProfiler::kMaxLength);
  return {{"first_window", static_cast<Nanos>(p.warmup_windows) * p.window_ns, length},
          {"last_window", static_cast<Nanos>(p.windows - 1) * p.window_ns, length}};
}

std::vector<RequestLine> request_lines(const LoadOptions& o, const Target& target) {
  if (!o.paths_file.empty()) {
    auto loaded = load_request_lines(o.paths_file, o.method);
    if (auto* reason = std::get_if<std::string>(&loaded)) throw std::invalid_argument(*reason);
    return std::get<std::vector<RequestLine>>(loaded);
  }
  // The reference server is loaded on its routes, a URL on its path.
  if (o.spawn_server) return RequestMix::reference_service();
  return {RequestLine{o.method, target.path, 1}};
}

struct Placement {
  std::vector<int> server, generator;  // empty: not pinned
};

Placement place(const LoadOptions& o, bool starting_server) {
  Placement p;
  const auto cpus = allowed_cpus();
  if (!o.pin || !starting_server || cpus.size() < 2) return p;
  p.server = {cpus.front()};
  p.generator.assign(cpus.begin() + 1, cpus.end());
  return p;
}

std::unique_ptr<ServerProcess> start_server(const LoadOptions& o, const Placement& placement, std::string& description) {
  ServerProcess::Options so;
  so.cpus = placement.server;
  so.startup_timeout = o.startup_timeout;
  if (o.spawn_server) {
    const auto bin = find_vigil_server(o.self, o.server_bin);
    if (bin.empty()) {
      throw std::runtime_error(o.server_bin.empty()
                                   ? fmt::format("no vigil-server beside {} (build it, or give --server-bin PATH)",
                                                 o.self.string())
                                   : fmt::format("--server-bin {}: no such file", o.server_bin));
    }
    so.command = {bin.string(), "--port", "0"};
    if (!placement.server.empty()) {
      so.command.insert(so.command.end(), {"--threads", std::to_string(placement.server.size())});
    }
    for (const auto& d : o.defects) so.command.insert(so.command.end(), {"--defect", d});
    if (o.profile) so.command.insert(so.command.end(), {"--debug-port", "0"});
    so.reports_port = true;
    so.reports_debug_port = o.profile;
    description = fmt::format("vigil-server{}", o.defects.empty() ? std::string(" (no defects)")
                                                                  : fmt::format(" --defect {}", fmt::join(o.defects, " --defect ")));
  } else {
    so.command = o.spawn_command;
    description = fmt::format("`{}`", fmt::join(o.spawn_command, " "));
  }
  auto server = std::make_unique<ServerProcess>(so);
  description += fmt::format(" pid {} on port {}", server->pid(), server->port());
  if (!placement.server.empty()) {
    description += fmt::format(", pinned to CPU {}, generator on CPU {}", fmt::join(placement.server, ","),
                               fmt::join(placement.generator, ","));
  }
  return server;
}

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

std::int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void sleep_until(Nanos t) {
  const Nanos d = t - monotonic_now();
  if (d > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(d));
}

nlohmann::json describe_config(const LoadOptions& o, const Plan& plan, const GeneratorConfig& g,
                               const std::string& server, const Placement& placement,
                               const std::vector<ProfileWindow>& profiled) {
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& l : g.mix.lines()) lines.push_back(fmt::format("{} {} {}", l.method, l.path, l.weight));
  nlohmann::json c = {{"target", g.target.url()},
                      {"server", server},
                      {"defects", o.defects},
                      {"mode", o.rate > 0 ? "constant-rate" : "closed-loop"},
                      {"rate", o.rate},
                      {"connections", g.connections},
                      {"threads", g.threads},
                      {"pipeline", g.pipeline},
                      {"requests_sent", lines},
                      {"paths_file", o.paths_file},
                      {"param_values", o.param_values},
                      {"timeout_s", static_cast<double>(o.timeout) / 1e9},
                      {"windows", plan.windows},
                      {"window_s", static_cast<double>(plan.window_ns) / 1e9},
                      {"warmup_s", static_cast<double>(plan.window_ns) / 1e9 * static_cast<double>(plan.warmup_windows)},
                      {"server_cpus", placement.server},
                      {"generator_cpus", placement.generator}};
  if (o.requests > 0) c["requests"] = o.requests;
  c["duration_s"] = static_cast<double>(plan.limit) / 1e9;
  if (o.expect_status) c["expect_status"] = *o.expect_status;
  if (!o.expect_body.empty()) c["expect_body"] = o.expect_body;
  for (const auto& w : profiled) {
    c["profiled_windows"][w.name] = {{"from_s", static_cast<double>(w.start) / 1e9},
                                     {"seconds", static_cast<double>(w.length) / 1e9}};
  }
  return c;
}

// Refuses option sets that make no run; before anything starts.
void check_sources(const LoadOptions& o) {
  const bool starting = o.spawn_server || !o.spawn_command.empty();
  const int sources = (o.url.empty() ? 0 : 1) + (o.spawn_server ? 1 : 0) + (o.spawn_command.empty() ? 0 : 1);
  if (sources != 1) {
    throw std::invalid_argument("give one of: a loopback URL, --spawn-server, or --spawn -- CMD ARGS");
  }
  if (o.pid > 0 && starting) throw std::invalid_argument("--pid samples a server you started; not with --spawn*");
  if (!o.defects.empty() && !o.spawn_server) throw std::invalid_argument("--defect needs --spawn-server");
  if (o.profile && !o.spawn_server) {
    throw std::invalid_argument("--profile needs --spawn-server (it profiles the vigil-server it starts)");
  }
  if (o.profile && o.requests > 0) {
    throw std::invalid_argument("--profile needs a run of --duration: with --requests the last window is not known");
  }
  if (o.pid > 0 && !read_process(o.pid)) throw std::invalid_argument(fmt::format("--pid {}: no such process", o.pid));
  if (o.start_at_unix_ns > 0) {
    const Nanos ahead = o.start_at_unix_ns - unix_now_ns();
    if (ahead < 0) throw std::invalid_argument("--start-at is in the past");
    if (ahead > 24 * 3600 * kSecond) throw std::invalid_argument("--start-at is more than a day ahead");
  }
}

// What the run shares between its steps.
struct Run {
  const LoadOptions& options;
  const Plan& plan;
  Nanos start = 0;
  WindowStore& store;
  Generator& generator;
  ProcessSampler& sampler;
  ServerProcess* server = nullptr;
};

LiveStatus live_status(const Run& r, const RunRecord& run, Nanos now) {
  LiveStatus s;
  s.elapsed_s = static_cast<double>(now - r.start) / 1e9;
  s.planned_s = r.plan.windows > 0 ? static_cast<double>(r.plan.window_ns * static_cast<Nanos>(r.plan.windows)) / 1e9 : 0;
  s.responses = r.generator.responses();
  s.errors = r.generator.errors();
  if (!run.windows.empty()) {
    const WindowCounts last = r.store.snapshot(run.windows.size() - 1);
    s.throughput_rps = static_cast<double>(last.responses) / run.windows.back().seconds;
    s.p99_ns = last.latency.percentile(99);
  }
  return s;
}

// Cuts the run into windows as they end, sampling /proc at each boundary,
// until the planned windows are done, the requests answered, the run
// interrupted or the server gone (a window under way then is dropped).
void record_windows(Run& r, RunRecord& run, const std::function<void(const LiveStatus&)>& progress,
                    const std::atomic<bool>& interrupt) {
  const Nanos window = r.plan.window_ns;
  const Nanos end = r.start + r.plan.limit;
  for (;;) {
    const Nanos now = monotonic_now();
    const Nanos window_start = r.start + static_cast<Nanos>(run.windows.size()) * window;
    const Nanos boundary = window_start + window;
    if (now >= boundary) {
      Window w;
      w.seconds = static_cast<double>(window) / 1e9;
      r.sampler.window_ended(boundary, w);
      run.windows.push_back(w);
      if (r.server) r.server->trim_log();
      if (r.plan.windows > 0 && run.windows.size() == r.plan.windows) return;
      continue;
    }
    if (interrupt.load() || (r.server && r.server->exited())) return;
    if (r.options.requests > 0 && (r.generator.done() || now >= end)) {
      // The last window of a --requests run ends with its last answer.
      Window w;
      w.seconds = static_cast<double>(now - window_start) / 1e9;
      r.sampler.window_ended(now, w);
      if (w.seconds > 0) run.windows.push_back(w);
      return;
    }
    progress(live_status(r, run, now));
    sleep_until(std::min(boundary, now + kProgressTick));
  }
}

std::optional<reports::Finding> server_exit_finding(ServerProcess* server, std::size_t windows) {
  int status = 0;
  if (server == nullptr || !server->exited(&status)) return std::nullopt;
  reports::Finding f;
  f.kind = "server-exited";
  f.severity = reports::Severity::Error;
  f.message = fmt::format("the server stopped during the run ({}) after {} window(s): {}",
                          WIFEXITED(status) ? fmt::format("exit code {}", WEXITSTATUS(status))
                                            : fmt::format("signal {}", WTERMSIG(status)),
                          windows, server->last_output_line());
  return f;
}

// The profiles fetched go to the result; with both, a degradation finding
// names the functions that grew. A profile missing is a warning.
void attach_profiles(WindowProfiles fetched, LoadResult& result) {
  auto& findings = result.analysis.findings;
  const auto first = fetched.profiles.find("first_window"), last = fetched.profiles.find("last_window");
  if (first != fetched.profiles.end() && last != fetched.profiles.end()) {
    name_grown_functions(findings, first->second, last->second);
  }
  for (const auto& why : fetched.failures) {
    reports::Finding f;
    f.kind = "profile-missing";
    f.severity = reports::Severity::Warning;
    f.message = "no CPU profile of the server's " + why;
    findings.push_back(std::move(f));
  }
  result.profiles = std::move(fetched.profiles);
}

}  // namespace

LoadResult run_load(const LoadOptions& o, const std::function<void(const LiveStatus&)>& progress,
                    const std::atomic<bool>& interrupt) {
  check_sources(o);
  const Plan plan = plan_windows(o);
  const std::vector<ProfileWindow> profiled = profile_windows(o, plan);
  Target target;
  if (!o.url.empty()) {
    auto parsed = parse_target(o.url);
    if (auto* reason = std::get_if<std::string>(&parsed)) throw std::invalid_argument(*reason);
    target = std::get<Target>(parsed);
  }
  auto lines = request_lines(o, target);
  // Checked before anything starts: bad input must not start a server.
  RequestMix(lines, RequestShape{o.headers, o.body, target.host_header(), o.param_values});

  const bool starting = o.spawn_server || !o.spawn_command.empty();
  const Placement placement = place(o, starting);
  LoadResult result;
  result.server_description = o.pid > 0 ? fmt::format("{} (pid {})", o.url, o.pid) : o.url;
  std::unique_ptr<ServerProcess> server;
  if (starting) {
    server = start_server(o, placement, result.server_description);
    target = loopback_target(server->port(), target.path);
  }
  GeneratorConfig g{target,      RequestMix(std::move(lines), {o.headers, o.body, target.host_header(), o.param_values}),
                    o.connections, o.threads, o.pipeline, o.rate, o.timeout, o.expect_status, o.expect_body,
                    o.requests,  placement.generator};
  // This thread too: its /proc reading stays off the server's CPU.
  pin_to(placement.generator);
  const pid_t sampled = server ? server->pid() : o.pid;
  RunRecord& run = result.record;
  run.window_ns = plan.window_ns;
  run.constant_rate = o.rate > 0;
  if (sampled > 0) run.server_identity = fmt::format("{} pid {}", hostname(), sampled);

  // Generators on several machines given one --start-at share one window grid.
  Nanos delay = kStartDelay;
  if (o.start_at_unix_ns > 0) delay = std::max(kStartDelay, o.start_at_unix_ns - unix_now_ns());
  const Nanos start = monotonic_now() + delay;
  run.start_unix_ns = unix_now_ns() + delay;
  WindowStore store(start, plan.window_ns);
  const std::size_t usable = placement.generator.empty() ? allowed_cpus().size() : placement.generator.size();
  ProcessSampler sampler(sampled, static_cast<double>(std::max<std::size_t>(1, std::min<std::size_t>(
                               std::min(g.threads, g.connections), usable))));
  std::unique_ptr<WindowProfiler> profiler;
  if (!profiled.empty()) {
    std::vector<ProfileWindow> at = profiled;
    for (auto& w : at) w.start += start;
    profiler = std::make_unique<WindowProfiler>(server->debug_port(), std::move(at));
  }
  Generator generator(g, store);
  generator.start();
  sleep_until(start);
  sampler.baseline(start);
  Run r{o, plan, start, store, generator, sampler, server.get()};
  record_windows(r, run, progress, interrupt);
  generator.stop();
  generator.join();
  result.interrupted = interrupt.load();
  WindowProfiles fetched;
  if (profiler) {
    // A run cut short (Ctrl-C, the server gone) waits for no profile.
    const bool complete = !result.interrupted && run.windows.size() == plan.windows;
    fetched = profiler->finish(monotonic_now() + (complete ? kProfileWait : 0));
  }
  const auto exited = server_exit_finding(server.get(), run.windows.size());
  if (server) server->stop();
  auto counts = store.take();
  for (std::size_t i = 0; i < run.windows.size() && i < counts.size(); ++i) run.windows[i].counts = std::move(counts[i]);

  result.judge = o.judge;
  result.judge.warmup_windows = plan.warmup_windows;
  result.analysis = analyze(run, result.judge);
  if (exited) result.analysis.findings.push_back(*exited);
  attach_profiles(std::move(fetched), result);
  result.config = describe_config(o, plan, g, result.server_description, placement, profiled);
  return result;
}

}  // namespace vigil::harness::load
