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

#include "vigil/framework/defects.hpp"
#include "vigil/framework/scenario.hpp"
#include "vigil/profilers/capture.hpp"
#include "vigil/profilers/launcher.hpp"
#include "vigil/profilers/leak_analysis.hpp"
#include "vigil/profilers/symbolizer.hpp"
#include "vigil/reports/progress.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::leaktest {
namespace fs = std::filesystem;
using profilers::Capture;
using profilers::SiteId;

namespace {

constexpr std::size_t kMinMeasuredCycles = 8;  // the growth tests need this many points
constexpr std::size_t kFramesShown = 8;

// A private folder for the capture, removed when the run is over.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "vigil-leak-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw UsageError("cannot create a temporary folder");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

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

std::string human_bytes(double bytes) {
  const double a = std::abs(bytes);
  if (a >= 1024.0 * 1024 * 1024) return fmt::format("{:.1f} GiB", bytes / (1024.0 * 1024 * 1024));
  if (a >= 1024.0 * 1024) return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
  if (a >= 1024.0) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{:.0f} B", bytes);
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
    reports::ProgressBar bar("cycles", *expected_cycles);
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
               o.defects.empty() ? std::string("none") : fmt::format("{}", fmt::join(o.defects, ", ")));
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
    fmt::print("\nLEAK: {} site{} growing steadily, {} per cycle in total\n", growing.size(),
               growing.size() == 1 ? "" : "s", human_bytes(report.metrics.at("leak.bytes_per_cycle").value));
    for (std::size_t i = 0; i < growing.size() && i < o.top; ++i) {
      const auto& g = growing[i];
      fmt::print("  #{} {}/cycle, {:.2f} blocks/cycle (r2 {:.2f}, {:.0f}% of cycles grew), {} live at the end\n",
                 i + 1, human_bytes(g.bytes.slope), g.blocks_per_cycle, g.bytes.r2,
                 100 * g.bytes.share_growing, human_bytes(g.live_bytes_final));
      print_stack(stacks(g.site));
    }
    if (growing.size() > o.top) fmt::print("  ... {} more growing sites (--top)\n", growing.size() - o.top);
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
  fmt::print("\nverdict: {}\n", report.verdict == reports::Verdict::Pass ? "clean" : "FAIL");
}

}  // namespace

int run(const Options& o) {
  const bool in_process = o.command.empty();
  framework::DefectSet defects;
  if (in_process) {
    std::string error;
    const auto parsed = framework::DefectSet::parse(o.defects, error);
    if (!parsed) throw UsageError(error);
    defects = *parsed;
    if (!framework::parse_scenario(o.scenario)) {
      throw UsageError(fmt::format("unknown scenario '{}' (one of: {})", o.scenario, framework::scenario_names()));
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

  TempDir capture_dir;
  profilers::RunOptions run_options;
  run_options.output_dir = capture_dir.path();
  run_options.stack_depth = o.depth;
  run_options.interval = o.interval;
  run_options.sample_bytes = o.sample_bytes;

  std::vector<std::string> argv = o.command;
  std::optional<std::uint64_t> expected_cycles;
  if (in_process) {
    argv = {driver_path().string(), "--scenario", o.scenario, "--cycles", std::to_string(o.warmup + o.cycles),
            "--requests-per-cycle", std::to_string(o.requests_per_cycle)};
    for (const std::string& d : defects.names()) {
      argv.push_back("--defect");
      argv.push_back(d);
    }
    run_options.stdout_file = capture_dir.path() / "driver.out";
    expected_cycles = o.warmup + o.cycles;
  }

  Launch launched = launch(argv, run_options, expected_cycles);
  if (launched.error) {
    try {
      std::rethrow_exception(launched.error);
    } catch (const profilers::LaunchError& e) {
      throw UsageError(e.what());
    }
  }
  const profilers::RunResult& result = launched.result;

  reports::Report report = reports::make_report("leak-test");
  report.config = {{"mode", in_process ? "in-process" : "external"},
                   {"warmup", o.warmup},
                   {"depth", o.depth},
                   {"sample_bytes", o.sample_bytes}};
  if (in_process) {
    report.config["scenario"] = o.scenario;
    report.config["cycles"] = o.cycles;
    report.config["requests_per_cycle"] = o.requests_per_cycle;
    report.config["defects"] = defects.names();
  } else {
    report.config["command"] = o.command;
    report.config["interval_ms"] = o.interval.count();
  }
  report.config["target"] = {{"result", result.describe()},
                             {"ok", result.ok()},
                             {"wall_s", std::chrono::duration<double>(result.wall).count()}};
  if (in_process && result.ok()) {
    std::ifstream state(*run_options.stdout_file);
    const auto core = nlohmann::json::parse(state, nullptr, false);
    if (!core.is_discarded()) report.config["core"] = core;
  }

  std::optional<Capture> capture;
  try {
    capture = profilers::read_capture(capture_dir.path(), result.pid);
  } catch (const profilers::CaptureError& e) {
    if (result.ok()) {
      throw UsageError(fmt::format("no usable capture from the target ({}); is it statically linked?", e.what()));
    }
  }

  if (!result.ok()) {
    reports::Finding f;
    f.kind = "target-failure";
    f.severity = reports::Severity::Error;
    f.message = fmt::format("the target failed: {}{}", result.describe(),
                            capture ? "" : " before writing any snapshot");
    f.extra = {{"exited", result.exited}, {"exit_code", result.exit_code}, {"signal", result.signal}};
    report.add_finding(std::move(f));
  }

  profilers::LeakSeries series;
  profilers::LeakAnalysis analysis;
  std::optional<Stacks> stacks;
  if (capture) {
    stacks.emplace(*capture);
    std::vector<const profilers::Snapshot*> used;
    series = profilers::leak_series_from_capture(*capture, &used);
    profilers::reclassify_runtime_internals(series, [&](std::uint64_t site) { return (*stacks)(site); });
    profilers::GrowthOptions growth;
    growth.warmup = o.warmup;
    growth.min_points = kMinMeasuredCycles;
    analysis = profilers::analyse_leaks(series, growth);
    report.config["snapshots"] = used.size();
    report.config["snapshot_trigger"] =
        used.empty() ? "none" : profilers::to_string(used.front()->trigger);
    report.config["exit_scanned"] = capture->exit.has_value() && capture->exit->scanned;
    profilers::add_leak_results(report, series, analysis, [&](std::uint64_t site) { return (*stacks)(site); });
    if (o.folded) {
      const profilers::Snapshot* last = used.empty() ? nullptr : used.back();
      reports::write_file_atomic(*o.folded, last ? profilers::folded_stacks(*last, [&](std::uint64_t site) {
        return (*stacks)(site);
      }) : std::string());
    }
  }
  report.verdict = report.has_error_findings() ? reports::Verdict::Fail : reports::Verdict::Pass;

  if (stacks) {
    print_summary(o, report, series, analysis, result, *stacks);
  } else {
    fmt::print("vigil-leak-test: the target failed: {} before writing any snapshot\nverdict: FAIL\n",
               result.describe());
  }
  if (o.json) reports::write_report(report, *o.json);
  return report.verdict == reports::Verdict::Pass ? reports::kExitClean : reports::kExitProblem;
}

}  // namespace vigil::leaktest
