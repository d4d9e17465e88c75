// Programs that do what can break a malloc interposer (programs/hazards.cpp),
// run under the preload: each must behave as it does alone — exit 0, no
// hang (a minute's limit) — and the capture must stay the tracked
// process's own.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/tool_run.hpp"
#include "preload_run.hpp"

namespace vp = vigil::profilers;
using vigil::test::exit_snapshot;
using vigil::test::sites_of;
using vigil::test::sum_sites;
using vigil::test::TargetRun;

namespace {

TargetRun run_hazard(const std::string& mode, vp::RunOptions options = {}) {
  return vigil::test::run_under_preload(VIGIL_TEST_HAZARDS, mode, {mode}, std::move(options));
}

vp::RunOptions sampling() {
  vp::RunOptions o;
  o.sample_bytes = 64;
  return o;
}

TEST(PreloadHazards, ARawCloneChildNeitherHangsNorWritesIntoItsParentsCapture) {
  for (const vp::RunOptions& options : {vp::RunOptions{}, sampling()}) {
    const TargetRun run = run_hazard("clone", options);
    ASSERT_TRUE(run.result.ok()) << run.result.describe();
    EXPECT_EQ(vp::list_captures(run.dir).size(), 1u);
    // The children called vigil_cycle() and exit(): nothing of theirs.
    ASSERT_EQ(run.capture.snapshots.size(), 1u);
    EXPECT_EQ(run.capture.snapshots[0].trigger, vp::SnapshotTrigger::Exit);
    EXPECT_TRUE(run.capture.exit.has_value());
    EXPECT_TRUE(sites_of(run.capture, "child_of_clone_allocates").empty());
  }
}

TEST(PreloadHazards, AVforkChildLeavesTrackingToItsParent) {
  const TargetRun run = run_hazard("vfork");
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  ASSERT_TRUE(run.capture.exit.has_value());
  ASSERT_EQ(run.capture.snapshots.size(), 2u);  // the parent's cycle, then its exit
  const auto after = sum_sites(exit_snapshot(run.capture), sites_of(run.capture, "parent_after_vfork"));
  EXPECT_EQ(after.live_bytes, 4321u);
}

// exit() in the vfork child runs the shared exit handlers — the preload's
// destructor among them, which leaves the tracker on — and uses them up:
// the parent goes on tracked, but at its own exit no handler is left, so
// (as the program's own handlers) the exit record is not written.
TEST(PreloadHazards, AVforkChildCallingExitLeavesItsParentTracked) {
  const TargetRun run = run_hazard("vfork-exit");
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  ASSERT_EQ(run.capture.snapshots.size(), 1u);  // the parent's cycle, after the child's exit()
  EXPECT_EQ(run.capture.snapshots[0].trigger, vp::SnapshotTrigger::Cycle);
  EXPECT_EQ(sum_sites(run.capture.snapshots[0], sites_of(run.capture, "parent_after_vfork")).live_bytes, 4321u);
  EXPECT_FALSE(run.capture.exit.has_value());
}

TEST(PreloadHazards, SignalHandlersThatAllocateFreeAndSnapshotInsideTheTrackerNeverHang) {
  for (const vp::RunOptions& options : {vp::RunOptions{}, sampling()}) {
    const TargetRun run = run_hazard("signals", options);
    ASSERT_TRUE(run.result.ok()) << run.result.describe();
    EXPECT_TRUE(run.capture.exit.has_value());
    EXPECT_GE(run.capture.snapshots.size(), 2u);
  }
}

TEST(PreloadHazards, AddsNoThreadToTheProgramYetTakesTimerSnapshots) {
  vp::RunOptions options;
  options.interval = std::chrono::milliseconds(50);
  const TargetRun run = run_hazard("single-thread", options);
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  std::size_t timer = 0;
  for (const auto& s : run.capture.snapshots) timer += s.trigger == vp::SnapshotTrigger::Timer;
  EXPECT_GE(timer, 3u);
}

TEST(PreloadHazards, ThreadsEndingAndExitingMidAllocationAreSurvived) {
  for (int round = 0; round < 3; ++round) {
    const TargetRun run = run_hazard("thread-exit");
    ASSERT_TRUE(run.result.ok()) << run.result.describe();
    EXPECT_TRUE(run.capture.exit.has_value());
  }
}

TEST(PreloadHazards, BlocksFromBeforeTheTrackerStartedAreResizedAndFreedSafely) {
  for (const vp::RunOptions& options : {vp::RunOptions{}, sampling()}) {
    const TargetRun run = run_hazard("early", options);
    ASSERT_TRUE(run.result.ok()) << run.result.describe();
    EXPECT_TRUE(run.capture.exit.has_value());
    // They were made before the tracker started: untracked.
    EXPECT_TRUE(sites_of(run.capture, "allocate_before_the_tracker").empty());
  }
}

// malloc_usable_size, posix_memalign, aligned_alloc, memalign, valloc,
// pvalloc, reallocarray, realloc to 0, malloc_trim, mallinfo2, operator
// new: each as glibc documents it and as glibc's own answers, bare and in
// every mode.
TEST(PreloadHazards, TheWholeAllocationApiAnswersAsGlibcDoes) {
  vigil::test::ScratchDir scratch;
  const auto bare = vigil::test::run_tool(VIGIL_TEST_ALLOC_API, {}, scratch);
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  vp::RunOptions libunwind;
  libunwind.unwind = vp::UnwindMethod::Libunwind;
  for (const vp::RunOptions& options : {vp::RunOptions{}, sampling(), libunwind}) {
    vp::RunOptions o = options;
    o.stderr_file = scratch / "preloaded.err";
    const TargetRun run = vigil::test::run_under_preload(VIGIL_TEST_ALLOC_API, "alloc-api", {}, o);
    EXPECT_TRUE(run.result.ok()) << run.result.describe() << "\n" << vigil::test::read_text_file(scratch / "preloaded.err");
    EXPECT_TRUE(run.capture.exit.has_value());
  }
}

}  // namespace
