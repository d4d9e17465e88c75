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
#include "vigil/harness/load/process_stats.hpp"
#include "vigil/harness/load/server_process.hpp"
#include "vigil/harness/load/target.hpp"

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
    so.reports_port = true;
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

// /proc figures at each window boundary, turned into per-window shares.
class Sampler {
 public:
  Sampler(pid_t server, double generator_capacity) : server_(server), capacity_(generator_capacity) {}

  void baseline(Nanos now) { take(now, server_last_, self_last_); }

  // Fills `w` with the window that ends `now`.
  void window_ended(Nanos now, Window& w) {
    std::optional<ProcessStats> server, self;
    const Nanos before = last_;
    take(now, server, self);
    const double seconds = static_cast<double>(now - before) / 1e9;
    if (seconds <= 0) return;
    if (server && server_last_) {
      w.server.rss_bytes = server->rss_bytes;
      w.server.cpu_cores = (server->cpu_seconds - server_last_->cpu_seconds) / seconds;
      w.server.run_queue_cores = std::max(0.0, server->run_queue_seconds - server_last_->run_queue_seconds) / seconds;
    }
    if (self && self_last_) {
      w.generator_busy = (self->cpu_seconds - self_last_->cpu_seconds) / seconds / capacity_;
      w.generator_waiting = std::max(0.0, self->run_queue_seconds - self_last_->run_queue_seconds) / seconds / capacity_;
    }
    server_last_ = server;
    self_last_ = self;
  }

 private:
  void take(Nanos now, std::optional<ProcessStats>& server, std::optional<ProcessStats>& self) {
    if (server_ > 0) server = read_process_tree(server_);
    self = read_process(::getpid());
    last_ = now;
  }

  pid_t server_;
  double capacity_;
  Nanos last_ = 0;
  std::optional<ProcessStats> server_last_, self_last_;
};

void sleep_until(Nanos t) {
  const Nanos d = t - monotonic_now();
  if (d > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(d));
}

nlohmann::json describe_config(const LoadOptions& o, const Plan& plan, const GeneratorConfig& g,
                               const std::string& server, const Placement& placement) {
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
  return c;
}

}  // namespace

LoadResult run_load(const LoadOptions& o, const std::function<void(const LiveStatus&)>& progress,
                    const std::atomic<bool>& interrupt) {
  const bool starting = o.spawn_server || !o.spawn_command.empty();
  const int sources = (o.url.empty() ? 0 : 1) + (o.spawn_server ? 1 : 0) + (o.spawn_command.empty() ? 0 : 1);
  if (sources != 1) {
    throw std::invalid_argument("give one of: a loopback URL, --spawn-server, or --spawn -- CMD ARGS");
  }
  if (o.pid > 0 && starting) throw std::invalid_argument("--pid samples a server you started; not with --spawn*");
  if (!o.defects.empty() && !o.spawn_server) throw std::invalid_argument("--defect needs --spawn-server");
  const Plan plan = plan_windows(o);
  if (o.start_at_unix_ns > 0) {
    const Nanos ahead = o.start_at_unix_ns - unix_now_ns();
    if (ahead < 0) throw std::invalid_argument("--start-at is in the past");
    if (ahead > 24 * 3600 * kSecond) throw std::invalid_argument("--start-at is more than a day ahead");
  }

  // Checked before anything starts: bad input must not start a server.
  GeneratorConfig g{Target{}, RequestMix({RequestLine{"GET", "/", 1}}, {}), o.connections, o.threads, o.pipeline,
                    o.rate, o.timeout, o.expect_status, o.expect_body, o.requests, {}};
  Target target;
  if (!o.url.empty()) {
    auto parsed = parse_target(o.url);
    if (auto* reason = std::get_if<std::string>(&parsed)) throw std::invalid_argument(*reason);
    target = std::get<Target>(parsed);
  }
  auto lines = request_lines(o, target);
  if (o.pid > 0 && !read_process(o.pid)) throw std::invalid_argument(fmt::format("--pid {}: no such process", o.pid));

  const Placement placement = place(o, starting);
  std::string server_description = o.pid > 0 ? fmt::format("{} (pid {})", o.url, o.pid) : o.url;
  std::unique_ptr<ServerProcess> server;
  if (starting) {
    server = start_server(o, placement, server_description);
    target = loopback_target(server->port(), target.path);
  }
  RequestShape shape{o.headers, o.body, target.host_header(), o.param_values};
  g.mix = RequestMix(std::move(lines), std::move(shape));
  g.target = target;
  g.cpus = placement.generator;
  const pid_t sampled = server ? server->pid() : o.pid;

  LoadResult result;
  result.server_description = server_description;
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
  const auto gen_threads = std::min(g.threads, g.connections);
  const double capacity = static_cast<double>(
      std::min<std::size_t>(gen_threads, placement.generator.empty() ? allowed_cpus().size() : placement.generator.size()));
  Sampler sampler(sampled, std::max(1.0, capacity));
  Generator generator(g, store);
  generator.start();
  sleep_until(start);
  sampler.baseline(start);

  const Nanos end = start + plan.limit;
  for (;;) {
    const Nanos now = monotonic_now();
    const Nanos window_start = start + static_cast<Nanos>(run.windows.size()) * plan.window_ns;
    const Nanos boundary = window_start + plan.window_ns;
    if (now >= boundary) {
      Window w;
      w.seconds = static_cast<double>(plan.window_ns) / 1e9;
      sampler.window_ended(boundary, w);
      run.windows.push_back(w);
      if (server) server->trim_log();
      if (plan.windows > 0 && run.windows.size() == plan.windows) break;
      continue;
    }
    if (interrupt.load() || (server && server->exited())) break;  // the window under way is dropped
    if (o.requests > 0 && (generator.done() || now >= end)) {
      // The last window of a --requests run ends with its last answer.
      Window w;
      w.seconds = static_cast<double>(now - window_start) / 1e9;
      sampler.window_ended(now, w);
      if (w.seconds > 0) run.windows.push_back(w);
      break;
    }
    LiveStatus s;
    s.elapsed_s = static_cast<double>(now - start) / 1e9;
    s.planned_s = plan.windows > 0 ? static_cast<double>(plan.window_ns * static_cast<Nanos>(plan.windows)) / 1e9 : 0;
    s.responses = generator.responses();
    s.errors = generator.errors();
    if (!run.windows.empty()) {
      const WindowCounts last = store.snapshot(run.windows.size() - 1);
      s.throughput_rps = static_cast<double>(last.responses) / run.windows.back().seconds;
      s.p99_ns = last.latency.percentile(99);
    }
    progress(s);
    sleep_until(std::min(boundary, now + kProgressTick));
  }
  generator.stop();
  generator.join();
  result.interrupted = interrupt.load();
  int status = 0;
  const bool server_died = server && server->exited(&status);
  std::string server_exit;
  if (server_died) {
    server_exit = fmt::format("the server stopped during the run ({}) after {} window(s): {}",
                              WIFEXITED(status) ? fmt::format("exit code {}", WEXITSTATUS(status))
                                                : fmt::format("signal {}", WTERMSIG(status)),
                              run.windows.size(), server->last_output_line());
  }
  if (server) server->stop();
  auto counts = store.take();
  for (std::size_t i = 0; i < run.windows.size() && i < counts.size(); ++i) run.windows[i].counts = std::move(counts[i]);

  result.judge = o.judge;
  result.judge.warmup_windows = plan.warmup_windows;
  result.analysis = analyze(run, result.judge);
  if (server_died) {
    reports::Finding f;
    f.kind = "server-exited";
    f.severity = reports::Severity::Error;
    f.message = server_exit;
    result.analysis.findings.push_back(std::move(f));
  }
  result.config = describe_config(o, plan, g, server_description, placement);
  return result;
}

}  // namespace vigil::harness::load
