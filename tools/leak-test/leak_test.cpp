#include "leak_test.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "vigil/harness/progress.hpp"
#include "vigil/harness/scenario.hpp"
#include "vigil/harness/temp_dir.hpp"
#include "vigil/profilers/capture.hpp"
#include "vigil/profilers/launcher.hpp"
#include "vigil/profilers/leak_analysis.hpp"
#include "vigil/profilers/leak_findings.hpp"
#include "vigil/profilers/symbolizer.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::leaktest {
namespace fs = std::filesystem;
using profilers::Capture;
using profilers::human_bytes;
using profilers::SiteId;

namespace {

constexpr std::size_t kMinMeasuredCycles = 8;  // the growth tests need this many points
constexpr std::size_t kFramesShown = 8;

fs::path driver_path() {
  if (const char* env = std::getenv("VIGIL_LEAK_DRIVER"); env && *env) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const fs::path next_to_us = self.parent_path() / "vigil-leak-driver";
  if (ec || !fs::exists(next_to_us)) {
    throw UsageError(fmt::format("the in-process driver is missing (looked for {}; set VIGIL_LEAK_DRIVER)",
                                 next_to_us.string()));
  }
  return next_to_us;
}

void check_output_path(const std::optional<fs::path>& path, const char* option) {
  if (!path) return;
  const fs::path parent = fs::absolute(*path).parent_path();
  if (!fs::is_directory(parent)) {
    throw UsageError(fmt::format("{}: folder {} does not exist", option, parent.string()));
  }
}

struct Launch {
  profilers::RunResult result;
  std::exception_ptr error;
};

// Runs the target; in-process, with a progress bar fed by the capture file.
Launch launch(const std::vector<std::string>& argv, const profilers::RunOptions& run_options,
              std::optional<std::uint64_t> expected_cycles) {
  Launch out;
  std::atomic<bool> done{false};
  std::thread runner([&] {
    try {
      out.result = profilers::run_with_preload(argv, run_options);
    } catch (...) {
      out.error = std::current_exception();
    }
    done.store(true);
  });
  if (expected_cycles) {
    harness::ProgressBar bar("cycles", *expected_cycles);
    profilers::SnapshotProgress progress(run_options.output_dir);
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      bar.update(std::min(progress.completed(), *expected_cycles));
    }
    bar.finish();
  }
  runner.join();
  return out;
}

// Symbolized stacks per site, computed once.
class Stacks {
 public:
  explicit Stacks(const Capture& capture) : capture_(capture), symbolizer_(capture.modules) {}
  std::vector<reports::Frame> operator()(std::uint64_t site) {
    auto it = cache_.find(site);
    if (it != cache_.end()) return it->second;
    std::vector<reports::Frame> frames;
    if (const profilers::Site* s = capture_.site(static_cast<SiteId>(site))) {
      frames = symbolizer_.report_stack(s->frames);
    }
    return cache_.emplace(site, std::move(frames)).first->second;
  }

 private:
  const Capture& capture_;
  profilers::Symbolizer symbolizer_;
  std::map<std::uint64_t, std::vector<reports::Frame>> cache_;
};

// Standard-library templates inlined into their caller (allocator, traits,
// basic_string, deque...) and the C runtime make long runs of system frames. The
// summary shows the first of such a run and folds the rest, so that the code
// which called them stays among the lines shown; the report keeps them all.
void print_stack(const std::vector<reports::Frame>& stack) {
  std::size_t next = 0;
  for (std::size_t lines = 0; next < stack.size() && lines < kFramesShown; ++lines) {
    fmt::print("       {}\n", profilers::describe_frame(stack[next]));
    std::size_t run_end = next + 1;
    if (profilers::in_system_code(stack[next]))
      while (run_end < stack.size() && profilers::in_system_code(stack[run_end])) ++run_end;
    const std::size_t folded = run_end - next - 1;
    if (folded >= 2) {
      fmt::print("         ... {} more frames of system code\n", folded);
      next = run_end;
    } else {
      ++next;
    }
  }
  if (next < stack.size()) fmt::print("       ... {} more frames\n", stack.size() - next);
}

void print_summary(const Options& o, const reports::Report& report, const profilers::LeakSeries& series,
                   const profilers::LeakAnalysis& analysis, const profilers::RunResult& result,
                   Stacks& stacks) {
  const auto& cfg = report.config;
  if (o.command.empty()) {
    fmt::print("vigil-leak-test: in-process, scenario {}, {} cycles x {} requests after {} warm-up cycles; defects: {}\n",
               o.scenario, o.cycles, o.requests_per_cycle, o.warmup,
               o.defects.empty() ? std::string("none") : fmt::format("{}", fmt::join(o.defects.names(), ", ")));
  } else {
    fmt::print("vigil-leak-test: {} ({} snapshots by {}, first {} left out as warm-up)\n",
               fmt::join(o.command, " "), cfg.value("snapshots", 0), cfg.value("snapshot_trigger", "?"),
               o.warmup);
  }
  fmt::print("target: {} after {:.2f} s{}\n", result.describe(),
             std::chrono::duration<double>(result.wall).count(), result.ok() ? "" : "  <-- the target failed");
  if (o.sample_bytes > 0) fmt::print("sampling: one allocation per {} bytes on average (estimates)\n", o.sample_bytes);
  if (!series.total_live_bytes.empty()) {
    fmt::print("live: {} in {:.0f} blocks at the first snapshot, {} in {:.0f} blocks at the last; threads {:.0f} -> {:.0f}\n",
               human_bytes(series.total_live_bytes.front()), series.total_live_blocks.front(),
               human_bytes(series.total_live_bytes.back()), series.total_live_blocks.back(),
               series.threads.front(), series.threads.back());
  }
  if (!analysis.total_bytes.judged) {
    fmt::print("not enough snapshots after warm-up to judge growth ({} needed)\n", kMinMeasuredCycles);
  }

  const auto& growing = analysis.growing_sites;
  if (!growing.empty()) {
    fmt::print("\nLEAK: {} site{} growing, {} per cycle in total\n", growing.size(), growing.size() == 1 ? "" : "s",
               human_bytes(report.metrics.at("leak.bytes_per_cycle").value));
    for (std::size_t i = 0; i < growing.size() && i < o.top; ++i) {
      const auto& g = growing[i];
      fmt::print("  #{} grows {}: {}/cycle, {:.2f} blocks/cycle, {} live at the end\n", i + 1,
                 profilers::growth_manner(g), human_bytes(g.bytes.slope), g.blocks_per_cycle,
                 human_bytes(g.live_bytes_final));
      fmt::print("     {}\n", profilers::growth_evidence(g));
      print_stack(stacks(g.site));
    }
    if (growing.size() > o.top) fmt::print("  ... {} more growing sites (--top)\n", growing.size() - o.top);
  }
  const auto& undecided = analysis.undecided_sites;
  if (!undecided.empty()) {
    fmt::print("\nTOO SHORT TO TELL: {} site{} rose too few times to judge (a warning, not a verdict)\n",
               undecided.size(), undecided.size() == 1 ? "" : "s");
    for (std::size_t i = 0; i < undecided.size() && i < o.top; ++i) {
      const auto& g = undecided[i];
      fmt::print("  ? {} -> {}; telling needs a run of at least {} cycles\n", human_bytes(g.live_bytes_start),
                 human_bytes(g.live_bytes_final), g.cycles_needed);
      print_stack(stacks(g.site));
    }
  }
  for (const auto& f : report.findings) {
    if (f.kind == "thread-leak") {
      fmt::print("\nTHREAD LEAK: {}\n", f.message);
      print_stack(f.stack);
    }
  }
  if (series.exit) {
    fmt::print("\nat exit: {} unreachable in {:.0f} block(s), {} still reachable in {:.0f} block(s)\n",
               human_bytes(analysis.unreachable_bytes), analysis.unreachable_blocks,
               human_bytes(analysis.reachable_bytes), analysis.reachable_blocks);
    std::size_t shown = 0;
    for (const auto& f : report.findings) {
      if (f.extra.value("at_exit", "") != "unreachable" || shown++ >= o.top) continue;
      fmt::print("  unreachable: {}\n", f.message);
      print_stack(f.stack);
    }
  } else if (result.ok() && o.sample_bytes > 0) {
    fmt::print("\nat exit: not classified in sampling mode\n");
  }
  if (report.verdict == reports::Verdict::Fail) {
    fmt::print("\nverdict: FAIL\n");
  } else if (!undecided.empty()) {
    // Clean says what was judged; the sites too short to tell were not.
    std::size_t needed = 0;
    for (const auto& g : undecided) needed = std::max<std::size_t>(needed, g.cycles_needed);
    fmt::print("\nverdict: clean, but {} site{} too short to tell (a run of at least {} cycles tells)\n",
               undecided.size(), undecided.size() == 1 ? "" : "s", needed);
  } else {
    fmt::print("\nverdict: clean\n");
  }
}

}  // namespace

namespace {

void validate(const Options& o) {
  if (o.command.empty()) {
    if (!harness::parse_scenario(o.scenario)) {
      throw UsageError(fmt::format("unknown scenario '{}' (one of: {})", o.scenario, harness::scenario_names()));
    }
    if (o.cycles < kMinMeasuredCycles) {
      throw UsageError(fmt::format("--cycles must be at least {} to judge growth", kMinMeasuredCycles));
    }
    if (o.requests_per_cycle == 0) throw UsageError("--requests-per-cycle must be at least 1");
  } else if (!o.defects.empty()) {
    throw UsageError("--defect switches defects of the reference core: in-process mode only");
  }
  if (o.depth < 1 || o.depth > 128) throw UsageError("--depth must be within 1..128");
  check_output_path(o.json, "--json");
  check_output_path(o.folded, "--folded");
}

// The target: the user's command, or the in-process driver with the scenario.
std::vector<std::string> target_argv(const Options& o) {
  if (!o.command.empty()) return o.command;
  std::vector<std::string> argv = {driver_path().string(), "--scenario", o.scenario,
                                   "--cycles", std::to_string(o.warmup + o.cycles),
                                   "--requests-per-cycle", std::to_string(o.requests_per_cycle)};
  for (const std::string& d : o.defects.names()) {
    argv.push_back("--defect");
    argv.push_back(d);
  }
  return argv;
}

profilers::RunOptions run_options_for(const Options& o, const fs::path& capture_dir) {
  profilers::RunOptions run_options;
  run_options.output_dir = capture_dir;
  run_options.stack_depth = o.depth;
  run_options.interval = o.interval;
  run_options.sample_bytes = o.sample_bytes;
  if (o.command.empty()) run_options.stdout_file = capture_dir / "driver.out";
  return run_options;
}

profilers::RunResult run_target(const Options& o, const profilers::RunOptions& run_options) {
  std::optional<std::uint64_t> expected_cycles;
  if (o.command.empty()) expected_cycles = o.warmup + o.cycles;
  Launch launched = launch(target_argv(o), run_options, expected_cycles);
  if (launched.error) {
    try {
      std::rethrow_exception(launched.error);
    } catch (const profilers::LaunchError& e) {
      throw UsageError(e.what());
    }
  }
  return launched.result;
}

reports::Report start_report(const Options& o, const profilers::RunResult& result,
                             const profilers::RunOptions& run_options) {
  const bool in_process = o.command.empty();
  reports::Report report = reports::make_report("leak-test");
  report.config = {{"mode", in_process ? "in-process" : "external"},
                   {"warmup", o.warmup},
                   {"depth", o.depth},
                   {"sample_bytes", o.sample_bytes}};
  if (in_process) {
    report.config["scenario"] = o.scenario;
    report.config["cycles"] = o.cycles;
    report.config["requests_per_cycle"] = o.requests_per_cycle;
    report.config["defects"] = o.defects.names();
  } else {
    report.config["command"] = o.command;
    report.config["interval_ms"] = o.interval.count();
  }
  report.config["target"] = {{"result", result.describe()},
                             {"ok", result.ok()},
                             {"wall_s", std::chrono::duration<double>(result.wall).count()}};
  if (in_process && result.ok()) {
    // The driver's last line: the core's state at the end of the run.
    std::ifstream state(*run_options.stdout_file);
    const auto core = nlohmann::json::parse(state, nullptr, false);
    if (!core.is_discarded()) report.config["core"] = core;
  }
  return report;
}

std::optional<Capture> read_target_capture(const fs::path& capture_dir, const profilers::RunResult& result) {
  try {
    return profilers::read_capture(capture_dir, result.pid);
  } catch (const profilers::CaptureError& e) {
    if (result.ok()) {
      throw UsageError(fmt::format("no usable capture from the target ({}); is it statically linked?", e.what()));
    }
  }
  return std::nullopt;
}

void add_target_failure(reports::Report& report, const profilers::RunResult& result, bool captured) {
  reports::Finding f;
  f.kind = "target-failure";
  f.severity = reports::Severity::Error;
  f.message = fmt::format("the target failed: {}{}", result.describe(), captured ? "" : " before writing any snapshot");
  f.extra = {{"exited", result.exited}, {"exit_code", result.exit_code}, {"signal", result.signal}};
  report.add_finding(std::move(f));
}

struct Judged {
  profilers::LeakSeries series;
  profilers::LeakAnalysis analysis;
};

// Growth per site over the snapshots, into the report (and --folded).
Judged judge_capture(const Options& o, const Capture& capture, Stacks& stacks, reports::Report& report) {
  const auto stack_of = [&](std::uint64_t site) { return stacks(site); };
  Judged j;
  std::vector<const profilers::Snapshot*> used;
  j.series = profilers::leak_series_from_capture(capture, &used);
  profilers::reclassify_runtime_internals(j.series, stack_of);
  profilers::GrowthOptions growth;
  growth.warmup = o.warmup;
  growth.min_points = kMinMeasuredCycles;
  j.analysis = profilers::analyse_leaks(j.series, growth);
  report.config["snapshots"] = used.size();
  report.config["snapshot_trigger"] = used.empty() ? "none" : profilers::to_string(used.front()->trigger);
  report.config["exit_scanned"] = capture.exit.has_value() && capture.exit->scanned;
  profilers::add_leak_results(report, j.series, j.analysis, stack_of);
  if (o.folded) {
    const profilers::Snapshot* last = used.empty() ? nullptr : used.back();
    reports::write_file_atomic(*o.folded, last ? profilers::folded_stacks(*last, stack_of) : std::string());
  }
  return j;
}

}  // namespace

int run(const Options& o) {
  validate(o);
  harness::TempDir capture_dir("vigil-leak");
  const profilers::RunOptions run_options = run_options_for(o, capture_dir.path());
  const profilers::RunResult result = run_target(o, run_options);
  reports::Report report = start_report(o, result, run_options);
  const std::optional<Capture> capture = read_target_capture(capture_dir.path(), result);
  if (!result.ok()) add_target_failure(report, result, capture.has_value());

  std::optional<Stacks> stacks;
  Judged judged;
  if (capture) judged = judge_capture(o, *capture, stacks.emplace(*capture), report);
  report.verdict = report.has_error_findings() ? reports::Verdict::Fail : reports::Verdict::Pass;

  if (stacks) {
    print_summary(o, report, judged.series, judged.analysis, result, *stacks);
  } else {
    fmt::print("vigil-leak-test: the target failed: {} before writing any snapshot\nverdict: FAIL\n",
               result.describe());
  }
  if (o.json) reports::write_report(report, *o.json);
  return report.verdict == reports::Verdict::Pass ? reports::kExitClean : reports::kExitProblem;
}

}  // namespace vigil::leaktest
