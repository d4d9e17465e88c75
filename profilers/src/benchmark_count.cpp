#include "vigil/profilers/benchmark_count.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "callgrind_run.hpp"
#include "vigil/profilers/fixed_run.hpp"
#include "vigil/profilers/google_benchmark.hpp"

namespace vigil::profilers {
namespace {

namespace fs = std::filesystem;

// Far beyond any run: Google Benchmark keeps multiplying the iterations by
// ten while a run takes under a tenth of it.
constexpr const char* kMinTime = "100000";
constexpr std::chrono::seconds kListTimeout{60};

struct Bench {
  fs::path binary;  // absolute
  std::vector<std::string> args;
};

Bench resolve_command(const std::vector<std::string>& command) {
  if (command.empty()) throw CountError("no benchmark to run (vigil-count [options] -- BENCH [ARGS...])");
  const fs::path binary = detail::resolve_program(command[0]);
  if (!references_google_benchmark(binary)) {
    throw CountError(fmt::format("{}: not a Google Benchmark binary (it never calls benchmark::State::StartKeepRunning)",
                                 command[0]));
  }
  Bench b{binary, {command.begin() + 1, command.end()}};
  for (const auto& a : b.args) {
    if (a.starts_with("--benchmark_") || a.starts_with("--v=")) {
      throw CountError(fmt::format("{}: vigil-count sets Google Benchmark's flags itself (use --filter)", a));
    }
  }
  return b;
}

std::vector<std::string> list_benchmarks(const Bench& bench, const CountOptions& o) {
  detail::RunFolder folder;
  FixedRunOptions run;
  run.argv = {bench.binary.string()};
  run.argv.insert(run.argv.end(), bench.args.begin(), bench.args.end());
  run.argv.push_back("--benchmark_list_tests=true");
  if (!o.filter.empty()) run.argv.push_back("--benchmark_filter=" + o.filter);
  run.environment = o.environment;
  run.stdout_file = folder.path() / "list.txt";
  run.timeout = kListTimeout;
  const FixedRunResult r = run_fixed(run);
  if (!r.exited || r.exit_code != 0) {
    throw CountError(detail::with_last_message(
        fmt::format("{} --benchmark_list_tests: {}", bench.binary.filename().string(), r.describe(run.timeout)), r));
  }
  std::vector<std::string> names;
  std::ifstream in(run.stdout_file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) names.push_back(line);
  }
  if (names.empty()) {
    throw CountError(o.filter.empty()
                         ? fmt::format("{} lists no benchmarks", bench.binary.filename().string())
                         : fmt::format("--filter '{}' matches no benchmark of {}", o.filter,
                                       bench.binary.filename().string()));
  }
  return names;
}

// The benchmark reported an error (SkipWithError): Google Benchmark's JSON,
// written when the process ran to its end.
void check_benchmark_errors(const fs::path& json_file, const std::string& name) {
  std::ifstream in(json_file);
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("benchmarks") || !j["benchmarks"].is_array()) return;
  for (const auto& b : j["benchmarks"]) {
    if (b.value("error_occurred", false)) {
      throw CountError(fmt::format("{}: the benchmark reported an error: {}", name, b.value("error_message", "")));
    }
  }
}

BenchmarkCount count_one(const Bench& bench, const std::string& name, const CountOptions& o,
                         const fs::path& valgrind, std::string& creator) {
  detail::RunFolder folder;
  FixedRunOptions run;
  run.argv = detail::callgrind_argv(valgrind, folder,
                                    {fmt::format("--dump-after={}", kLoopStartFunction),
                                     fmt::format("--dump-before={}", kLoopEndFunction),
                                     fmt::format("--dump-before={}", kPauseFunction),
                                     fmt::format("--dump-after={}", kResumeFunction)},
                                    bench.binary, bench.args);
  for (std::string flag : {"--benchmark_filter=" + exact_filter(name), std::string("--benchmark_min_time=") + kMinTime,
                           std::string("--benchmark_repetitions=1"),
                           "--benchmark_out=" + (folder.path() / "gb.json").string(),
                           std::string("--benchmark_out_format=json"), std::string("--v=2")}) {
    run.argv.push_back(std::move(flag));
  }
  run.environment = o.environment;
  run.timeout = o.timeout;
  std::vector<std::uint64_t> starts;
  run.on_stderr_line = [&](std::string_view line) {
    const auto start = parse_run_start(line);
    if (!start) return true;
    if (start->name != name) return false;
    // Stop once a run beyond the target starts and two runs within it are done.
    if (start->iterations > o.iterations &&
        std::count_if(starts.begin(), starts.end(), [&](std::uint64_t n) { return n <= o.iterations; }) >= 2) {
      return false;
    }
    starts.push_back(start->iterations);
    return true;
  };
  const FixedRunResult r = run_fixed(run);
  if (r.timed_out || r.interrupted) throw CountError(fmt::format("{}: {}", name, r.describe(o.timeout)));
  if (!r.stopped && !(r.exited && r.exit_code == 0)) {
    throw CountError(detail::with_last_message(fmt::format("{}: {} under valgrind", name, r.describe(o.timeout)), r));
  }
  if (!r.stopped) check_benchmark_errors(folder.path() / "gb.json", name);

  const std::vector<CallgrindDump> headers = detail::read_dumps(folder, false, r.stopped);
  if (!headers.empty()) creator = headers.front().creator;
  const std::vector<LoopRun> runs = loop_runs(headers, starts);
  const auto choice = choose_runs(runs, o.iterations);
  if (!choice) {
    throw CountError(detail::with_last_message(fmt::format("{}: no measured loop ran under valgrind", name), r));
  }
  std::map<int, CallgrindDump> parsed;
  return per_iteration(name, runs, *choice, [&](int part) -> const CallgrindDump& {
    auto it = parsed.find(part);
    if (it == parsed.end()) {
      it = parsed.emplace(part, detail::read_dump(folder, part)).first;
    }
    return it->second;
  });
}

}  // namespace

void check_iterations(std::uint64_t iterations) {
  for (std::uint64_t p = 10; p <= 100'000'000; p *= 10) {
    if (iterations == p) return;
  }
  throw CountError(fmt::format("--iterations: expected a power of ten from 10 to 100000000, got {}", iterations));
}

std::vector<LoopRun> loop_runs(const std::vector<CallgrindDump>& dumps,
                               const std::vector<std::uint64_t>& run_iterations) {
  const std::string loop_start = fmt::format("--dump-after={}", kLoopStartFunction);
  const std::string loop_end = fmt::format("--dump-before={}", kLoopEndFunction);
  const std::string pause = fmt::format("--dump-before={}", kPauseFunction);
  const std::string resume = fmt::format("--dump-after={}", kResumeFunction);
  // Outside: set-up, harness (Google Benchmark itself calls ResumeTiming in
  // StartKeepRunning and PauseTiming in FinishKeepRunning, outside the loop).
  enum class State { Outside, Measuring, Paused } state = State::Outside;
  std::vector<LoopRun> runs;
  LoopRun current;
  for (const auto& d : dumps) {
    if (d.trigger == loop_start) {
      current = LoopRun{};
      state = State::Measuring;
    } else if (d.trigger == pause) {
      if (state == State::Measuring) {
        current.cost += d.totals;
        current.parts.push_back(d.part);
        state = State::Paused;
      }
    } else if (d.trigger == resume) {
      if (state == State::Paused) state = State::Measuring;
    } else if (d.trigger == loop_end && state != State::Outside) {
      if (state == State::Measuring) {
        current.cost += d.totals;
        current.parts.push_back(d.part);
      }
      if (runs.size() < run_iterations.size()) {
        current.iterations = run_iterations[runs.size()];
        runs.push_back(std::move(current));
      }
      current = LoopRun{};
      state = State::Outside;
    }
  }
  return runs;
}

std::optional<RunChoice> choose_runs(const std::vector<LoopRun>& runs, std::uint64_t target) {
  if (runs.empty()) return std::nullopt;
  const bool any_within = std::any_of(runs.begin(), runs.end(), [&](const LoopRun& r) { return r.iterations <= target; });
  auto eligible = [&](const LoopRun& r) { return !any_within || r.iterations <= target; };
  std::optional<std::size_t> counted;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!eligible(runs[i])) continue;
    // Without runs within the target, the shortest run is counted.
    const bool better = !counted || (any_within ? runs[i].iterations > runs[*counted].iterations
                                                : runs[i].iterations < runs[*counted].iterations);
    if (better) counted = i;
  }
  RunChoice choice{*counted, std::nullopt};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].iterations >= runs[*counted].iterations || runs[i].iterations == 0) continue;
    if (!choice.base || runs[i].iterations > runs[*choice.base].iterations) choice.base = i;
  }
  if (runs[*counted].iterations == 0) return std::nullopt;
  return choice;
}

BenchmarkCount per_iteration(const std::string& name, const std::vector<LoopRun>& runs, const RunChoice& choice,
                             const std::function<const CallgrindDump&(int part)>& dump_with_functions) {
  const LoopRun& counted = runs[choice.counted];
  BenchmarkCount b;
  b.name = name;
  b.iterations = counted.iterations;
  EventCounts cost = counted.cost;
  double iterations = static_cast<double>(counted.iterations);
  if (choice.base) {
    const LoopRun& base = runs[*choice.base];
    b.base_iterations = base.iterations;
    cost -= base.cost;
    iterations -= static_cast<double>(base.iterations);
  }
  b.per_iteration = cost / iterations;

  // Own instructions per function: the counted run's less the base run's.
  FunctionTally tally;
  for (int part : counted.parts) tally.add(dump_with_functions(part));
  if (choice.base) {
    for (int part : runs[*choice.base].parts) tally.add(dump_with_functions(part), -1);
  }
  b.functions = tally.shares(iterations);
  return b;
}

CountResult count_benchmarks(const CountOptions& o, const CountProgress& progress) {
  check_iterations(o.iterations);
  if (o.jobs < 1) throw CountError("--jobs: expected at least 1");
  const Bench bench = resolve_command(o.command);
  const fs::path valgrind = detail::find_valgrind();

  CountResult result;
  std::vector<std::string> to_count;
  for (auto& name : list_benchmarks(bench, o)) {
    if (const int threads = benchmark_threads(name); threads > 1) {
      result.skipped.push_back({name, fmt::format("runs on {} threads: Valgrind runs one thread at a time, so its "
                                                  "counts would follow Valgrind's scheduling",
                                                  threads)});
    } else {
      to_count.push_back(std::move(name));
    }
  }

  std::vector<std::optional<BenchmarkCount>> counts(to_count.size());
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::size_t done = 0;
  std::optional<std::string> failure;
  auto worker = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= to_count.size()) return;
      {
        std::lock_guard lock(mutex);
        if (failure) return;
      }
      try {
        std::string creator;
        auto count = count_one(bench, to_count[i], o, valgrind, creator);
        std::lock_guard lock(mutex);
        counts[i] = std::move(count);
        if (!creator.empty()) result.valgrind = creator;
        ++done;
        if (progress) progress(done, to_count.size());
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        if (!failure) failure = e.what();
        return;
      }
    }
  };
  if (progress) progress(0, to_count.size());
  std::vector<std::thread> workers;
  const std::size_t n = std::min<std::size_t>(o.jobs, std::max<std::size_t>(to_count.size(), 1));
  for (std::size_t t = 0; t < n; ++t) workers.emplace_back(worker);
  for (auto& w : workers) w.join();
  if (failure) throw CountError(*failure);
  for (auto& c : counts) result.benchmarks.push_back(std::move(*c));
  return result;
}

}  // namespace vigil::profilers
