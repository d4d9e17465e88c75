#pragma once
// Runs a test program under the libvigil_preload.so built with the tests,
// through the launcher, and reads its capture; finds and sums sites by the
// function the symbolizer names.

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "vigil/profilers/capture.hpp"
#include "vigil/profilers/launcher.hpp"
#include "vigil/profilers/symbolizer.hpp"

namespace vigil::test {

namespace vp = vigil::profilers;


inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::path(testing::TempDir()) /
                   ("vigil-preload-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

struct TargetRun {
  vp::RunResult result;
  vp::Capture capture;
  std::filesystem::path dir;
};

// Runs `program args...` under the preload built with the tests, with no
// timer snapshots unless `options` asks for them, killed after a minute.
inline TargetRun run_under_preload(const std::string& program, const std::string& name,
                                   std::vector<std::string> args, vp::RunOptions options = {}) {
  TargetRun run;
  run.dir = fresh_dir(name);
  options.output_dir = run.dir;
  options.preload_library = VIGIL_TEST_PRELOAD;
  if (options.interval.count() == 100) options.interval = std::chrono::milliseconds(0);
  if (!options.time_limit) options.time_limit = std::chrono::seconds(60);
  args.insert(args.begin(), program);
  run.result = vp::run_with_preload(args, options);
  run.capture = vp::read_capture(run.dir, run.result.pid);
  return run;
}

inline const vp::Snapshot& exit_snapshot(const vp::Capture& cap) {
  EXPECT_FALSE(cap.snapshots.empty());
  EXPECT_EQ(cap.snapshots.back().trigger, vp::SnapshotTrigger::Exit);
  return cap.snapshots.back();
}

// Sites whose first shown frame (allocator frames dropped) is `function`
// (a plain name: "f" matches "ns::f()" and "f(int)", not "f2()").
inline std::vector<vp::SiteId> sites_of(const vp::Capture& cap, const std::string& function) {
  vp::Symbolizer sym(cap.modules);
  std::vector<vp::SiteId> out;
  for (const auto& [id, site] : cap.sites) {
    const auto frames = sym.symbolize_stack(site.frames);
    if (frames.empty()) continue;
    const std::string& f = frames.front().function;
    if (f == function || f.find(function + "(") != std::string::npos) out.push_back(id);
  }
  return out;
}

inline vp::SiteCounters sum_sites(const vp::Snapshot& snap, const std::vector<vp::SiteId>& ids) {
  vp::SiteCounters sum;
  for (const auto& c : snap.sites) {
    if (std::find(ids.begin(), ids.end(), c.site) == ids.end()) continue;
    sum.live_bytes += c.live_bytes;
    sum.live_blocks += c.live_blocks;
    sum.total_bytes += c.total_bytes;
    sum.total_blocks += c.total_blocks;
  }
  return sum;
}

inline vp::ExitSite sum_exit(const vp::ExitReport& exit, const std::vector<vp::SiteId>& ids) {
  vp::ExitSite sum;
  for (const auto& x : exit.sites) {
    if (std::find(ids.begin(), ids.end(), x.site) == ids.end()) continue;
    sum.unreachable_bytes += x.unreachable_bytes;
    sum.unreachable_blocks += x.unreachable_blocks;
    sum.reachable_bytes += x.reachable_bytes;
    sum.reachable_blocks += x.reachable_blocks;
  }
  return sum;
}

}  // namespace vigil::test
