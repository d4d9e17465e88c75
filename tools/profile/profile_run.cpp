#include "profile_run.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "vigil/harness/scenario.hpp"
#include "vigil/harness/temp_dir.hpp"
#include "vigil/harness/tool_cli.hpp"
#include "vigil/profilers/capture.hpp"
#include "vigil/profilers/cpu_profile.hpp"
#include "vigil/profilers/cpu_profiler.hpp"
#include "vigil/profilers/launcher.hpp"
#include "vigil/reports/report.hpp"
#include "vigil/reports/flame_graph.hpp"
#include "vigil/reports/profile_io.hpp"
#include "vigil/reports/profile_shares.hpp"

namespace vigil::profiletool {
namespace fs = std::filesystem;

namespace {

constexpr const char* kTool = "vigil-profile";
constexpr unsigned kDepth = 64;  // frames per sample
constexpr std::int64_t kMaxHz = profilers::CpuProfiler::kMaxHz, kMaxTop = 1000, kMaxRequests = 1000000000;

void check_range(std::int64_t value, std::int64_t lo, std::int64_t hi, const char* option) {
  if (value < lo || value > hi) throw UsageError(fmt::format("{} must be within {}..{}", option, lo, hi));
}

void check_output_path(const std::optional<fs::path>& path, const char* option) {
  if (!path) return;
  const fs::path parent = fs::absolute(*path).parent_path();
  if (!fs::is_directory(parent)) throw UsageError(fmt::format("{}: folder {} does not exist", option, parent.string()));
}

void validate(const Options& o) {
  if (o.command.empty() == !o.scenario)
    throw UsageError(o.command.empty() ? "give a command after -- or --scenario NAME"
                                       : "--scenario profiles the reference core: give it or a command, not both");
  check_range(o.hz, 1, kMaxHz, "--hz");
  check_range(o.top, 1, kMaxTop, "--top");
  if (o.scenario) {
    if (!harness::parse_scenario(*o.scenario))
      throw UsageError(fmt::format("unknown scenario '{}' (one of: {})", *o.scenario, harness::scenario_names()));
    check_range(o.requests, 1, kMaxRequests, "--requests");
  } else if (!o.defects.empty()) {
    throw UsageError("--defect switches defects of the reference core: in-process mode only");
  }
  check_output_path(o.json, "--json");
  check_output_path(o.folded, "--folded");
  check_output_path(o.pprof, "--pprof");
  check_output_path(o.html, "--html");
}

struct Profiled {
  reports::Profile profile;
  std::uint64_t dropped = 0;
  std::uint64_t processes = 0;
  std::optional<profilers::RunResult> target;  // external mode
};

Profiled profile_command(const Options& o) {
  harness::TempDir captures("vigil-profile");
  profilers::RunOptions run;
  run.output_dir = captures.path();
  run.stack_depth = kDepth;
  run.profile_hz = static_cast<unsigned>(o.hz);
  Profiled out;
  try {
    out.target = profilers::run_with_preload(o.command, run);
  } catch (const profilers::LaunchError& e) {
    throw UsageError(e.what());
  }
  // Every image that ran: the command, and the programs it or its children exec'd.
  std::uint64_t periods = 0;
  for (const auto& file : profilers::list_captures(captures.path())) {
    profilers::Capture capture;
    try {
      capture = profilers::read_capture_file(file.file);
    } catch (const profilers::CaptureError&) {
      continue;  // cut short: the process was killed while writing
    }
    if (!capture.cpu) continue;
    profilers::RawSamples raw{std::move(capture.cpu->stacks), std::move(capture.modules), capture.cpu->threads,
                              capture.cpu->dropped};
    out.dropped += raw.dropped;
    ++out.processes;
    periods += profilers::add_samples(out.profile, raw);
  }
  profilers::set_cpu_time(out.profile, periods, static_cast<double>(o.hz));
  if (out.processes == 0 && out.target->ok())
    throw UsageError("no profile from the target; is it statically linked?");
  return out;
}

Profiled profile_scenario(const Options& o) {
  harness::ScenarioOptions scenario;
  scenario.scenario = *harness::parse_scenario(*o.scenario);
  scenario.defects = o.defects;
  harness::ScenarioRunner runner(scenario);
  Profiled out;
  try {
    profilers::CpuProfiler profiler(static_cast<unsigned>(o.hz), kDepth);
    runner.run(static_cast<std::size_t>(o.requests));
    out.profile = profiler.stop();
    out.dropped = profiler.dropped();
  } catch (const profilers::CpuProfilerError& e) {
    throw UsageError(e.what());
  }
  out.processes = 1;
  return out;
}

// The `top` functions of `shares` by total share, largest first.
std::vector<reports::FunctionShare> by_total_share(std::vector<reports::FunctionShare> shares, std::size_t top) {
  std::stable_sort(shares.begin(), shares.end(), [](const auto& a, const auto& b) { return a.total > b.total; });
  if (shares.size() > top) shares.resize(top);
  return shares;
}

std::string summary(const Profiled& p, const std::vector<reports::FunctionShare>& shares, std::size_t top) {
  const std::uint64_t samples = reports::total_samples(p.profile);
  std::string out = fmt::format("vigil-profile: {} samples ({:.2f} s of CPU time) in {} process{}, {} thread{}; {} dropped\n",
                                samples, static_cast<double>(samples) * p.profile.period_seconds, p.processes,
                                p.processes == 1 ? "" : "es", p.profile.threads, p.profile.threads == 1 ? "" : "s",
                                p.dropped);
  if (samples == 0) return out + "no samples: the program used (almost) no CPU time\n";
  const auto table = [&](const char* title, std::vector<reports::FunctionShare> rows) {
    out += fmt::format("\ntop functions by {} share:\n   self   total  function\n", title);
    for (std::size_t i = 0; i < rows.size() && i < top; ++i)
      out += fmt::format("  {:5.1f}%  {:5.1f}%  {}\n", rows[i].self_share * 100, rows[i].total_share * 100,
                         rows[i].function);
  };
  table("self", shares);
  table("total", by_total_share(shares, top));
  return out;
}

reports::Report make_profile_report(const Options& o, const Profiled& p,
                                    const std::vector<reports::FunctionShare>& shares) {
  reports::Report report = reports::make_report(kTool);
  report.config = {{"mode", o.scenario ? "in-process" : "external"}, {"hz", o.hz}, {"depth", kDepth}, {"top", o.top}};
  if (o.scenario) {
    report.config["scenario"] = *o.scenario;
    report.config["requests"] = o.requests;
    report.config["defects"] = o.defects.names();
  } else {
    report.config["command"] = o.command;
    report.config["processes"] = p.processes;
    report.config["target"] = {{"result", p.target->describe()}, {"ok", p.target->ok()},
                               {"wall_s", std::chrono::duration<double>(p.target->wall).count()}};
  }
  const std::uint64_t samples = reports::total_samples(p.profile);
  report.set_metric("profile.samples", static_cast<double>(samples), "samples", reports::Better::None);
  report.set_metric("profile.seconds", static_cast<double>(samples) * p.profile.period_seconds, "s",
                    reports::Better::None);
  report.set_metric("profile.dropped_samples", static_cast<double>(p.dropped), "samples", reports::Better::Lower);
  // The top functions by self share and, apart, by total share (callers
  // such as main run nothing themselves but hold every sample).
  const auto top = static_cast<std::size_t>(o.top);
  for (std::size_t i = 0; i < shares.size() && i < top; ++i)
    report.set_metric("profile.self_share." + shares[i].function, shares[i].self_share, "ratio", reports::Better::None);
  for (const auto& share : by_total_share(shares, top))
    report.set_metric("profile.total_share." + share.function, share.total_share, "ratio", reports::Better::None);
  report.profiles["profile"] = p.profile;
  if (p.target && !p.target->ok()) {
    reports::Finding f;
    f.kind = "target-failure";
    f.message = fmt::format("the target failed: {}", p.target->describe());
    report.add_finding(std::move(f));
  }
  if (p.dropped != 0) {
    reports::Finding f;
    f.kind = "dropped-samples";
    f.severity = reports::Severity::Warning;
    f.message = fmt::format("{} samples were dropped: the sample store was full", p.dropped);
    f.count = static_cast<double>(p.dropped);
    report.add_finding(std::move(f));
  }
  report.verdict = report.has_error_findings() ? reports::Verdict::Fail : reports::Verdict::Pass;
  return report;
}

// Each written whole to a temporary file, then renamed: never a partial file.
void write_profile_files(const Options& o, const reports::Profile& profile) {
  if (o.folded) reports::write_file_atomic(*o.folded, reports::to_folded(profile));
  if (o.pprof) reports::write_file_atomic(*o.pprof, reports::to_pprof_gz(profile));
  if (o.html) reports::write_file_atomic(*o.html, reports::render_flame_graph_html(profile, "vigil-profile"));
}

}  // namespace

int run(const Options& o) {
  validate(o);
  const Profiled profiled = o.scenario ? profile_scenario(o) : profile_command(o);
  const auto shares = reports::function_shares(profiled.profile);
  std::cout << summary(profiled, shares, static_cast<std::size_t>(o.top));
  const reports::Report report = make_profile_report(o, profiled, shares);
  std::cout << harness::format_findings(report.findings, "the profile is complete");
  write_profile_files(o, profiled.profile);
  return harness::write_report_and_exit_code(report, o.json ? o.json->string() : std::string(), kTool);
}

}  // namespace vigil::profiletool
