// Runs the target program under libvigil_preload.so through the launcher
// and checks what the capture says, with sites named by the symbolizer.
#include <gtest/gtest.h>

#include <unistd.h>

#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "preload_run.hpp"
#include "vigil/profilers/capture.hpp"
#include "vigil/profilers/launcher.hpp"
#include "vigil/profilers/symbolizer.hpp"

namespace vp = vigil::profilers;

using vigil::test::exit_snapshot;
using vigil::test::sites_of;
using vigil::test::sum_exit;
using vigil::test::sum_sites;
using vigil::test::TargetRun;

namespace {

TargetRun run_target(const std::string& name, std::vector<std::string> args, vp::RunOptions options = {}) {
  return vigil::test::run_under_preload(VIGIL_TEST_TARGET, name, std::move(args), std::move(options));
}

}  // namespace

TEST(Preload, CountsAllocationsFromSeveralThreadsAndTheirCensus) {
  const TargetRun run = run_target("threads", {"threads"});
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  const auto& cap = run.capture;
  ASSERT_EQ(cap.snapshots.size(), 3u);  // two cycles and the exit
  EXPECT_EQ(cap.snapshots[0].trigger, vp::SnapshotTrigger::Cycle);
  EXPECT_EQ(cap.snapshots[0].threads, 5u);
  EXPECT_EQ(cap.snapshots[1].threads, 1u);
  const auto ids = sites_of(cap, "thread_worker_alloc");
  ASSERT_FALSE(ids.empty());
  const auto sum = sum_sites(exit_snapshot(cap), ids);
  EXPECT_EQ(sum.total_blocks, 400u);
  EXPECT_EQ(sum.total_bytes, 400u * 64);
  EXPECT_EQ(sum.live_blocks, 200u);
  EXPECT_EQ(sum.live_bytes, 200u * 64);
  ASSERT_TRUE(cap.exit.has_value());
  EXPECT_TRUE(cap.exit->scanned);
  // The kept halves sit in a static array: reachable.
  const auto x = sum_exit(*cap.exit, ids);
  EXPECT_EQ(x.reachable_blocks, 200u);
  EXPECT_EQ(x.unreachable_blocks, 0u);
}

// More threads than counter stripes, in waves, with blocks freed by other
// threads: the per-site counts stay exact.
TEST(Preload, CountsStayExactWithMoreThreadsThanStripes) {
  const TargetRun run = run_target("many-threads", {"many-threads"});
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  const auto ids = sites_of(run.capture, "many_threads_alloc");
  ASSERT_FALSE(ids.empty());
  const auto sum = sum_sites(exit_snapshot(run.capture), ids);
  constexpr std::uint64_t kAllocated = 3 * 12 * 50, kFreed = 3 * 12 * 25 + 2 * 12 * 10;
  EXPECT_EQ(sum.total_blocks, kAllocated);
  EXPECT_EQ(sum.total_bytes, kAllocated * 32);
  EXPECT_EQ(sum.live_blocks, kAllocated - kFreed);
  EXPECT_EQ(sum.live_bytes, (kAllocated - kFreed) * 32);
}

TEST(Preload, ForkChildIsNotTrackedAndParentIsIntact) {
  const TargetRun run = run_target("fork", {"fork"});
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  EXPECT_EQ(vp::list_captures(run.dir).size(), 1u);
  const auto& cap = run.capture;
  EXPECT_EQ(cap.pid, run.result.pid);
  ASSERT_TRUE(cap.exit.has_value());
  EXPECT_TRUE(sites_of(cap, "child_alloc").empty());
  const auto sum = sum_sites(exit_snapshot(cap), sites_of(cap, "parent_alloc"));
  EXPECT_EQ(sum.total_blocks, 2u);
  EXPECT_EQ(sum.live_bytes, 600u);
}

TEST(Preload, TracksAndNamesAllocationsOfADlopenedLibrary) {
  const TargetRun run = run_target("dlopen", {"dlopen", VIGIL_TEST_PLUGIN});
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  const auto& cap = run.capture;
  const auto ids = sites_of(cap, "plugin_allocate");
  ASSERT_EQ(ids.size(), 1u);
  const auto sum = sum_sites(exit_snapshot(cap), ids);
  EXPECT_EQ(sum.live_bytes, 4096u);
  vp::Symbolizer sym(cap.modules);
  const auto frames = sym.symbolize_stack(cap.site(ids[0])->frames);
  ASSERT_FALSE(frames.empty());
  EXPECT_NE(frames[0].module.find("vigil_profilers_plugin"), std::string::npos) << frames[0].module;
  EXPECT_NE(frames[0].file.find("plugin.cpp"), std::string::npos) << frames[0].file;
  EXPECT_GT(frames[0].line, 0);
  // Held by the library's global: still reachable at exit.
  EXPECT_EQ(sum_exit(*cap.exit, ids).reachable_bytes, 4096u);
}

TEST(Preload, TracksEveryAllocationFamily) {
  const TargetRun run = run_target("families", {"families"});
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  const auto& cap = run.capture;
  const auto& snap = exit_snapshot(cap);
  struct Expect {
    const char* function;
    std::uint64_t live_bytes;
  };
  for (const Expect& e : {Expect{"use_calloc", 1000}, Expect{"use_realloc", 2560}, Expect{"use_reallocarray", 300},
                          Expect{"use_posix_memalign", 640}, Expect{"use_aligned_alloc", 1280},
                          Expect{"use_memalign", 2560}, Expect{"use_valloc", 100}, Expect{"use_pvalloc", 100},
                          Expect{"use_aligned_new", 444}, Expect{"use_new_array", 0}}) {
    const auto ids = sites_of(cap, e.function);
    ASSERT_FALSE(ids.empty()) << e.function;
    const auto sum = sum_sites(snap, ids);
    EXPECT_EQ(sum.live_bytes, e.live_bytes) << e.function;
    EXPECT_EQ(sum.live_blocks, e.live_bytes ? 1u : 0u) << e.function;
  }
  // realloc: 1 malloc + 8 reallocs, each a new allocation of its size.
  EXPECT_EQ(sum_sites(snap, sites_of(cap, "use_realloc")).total_blocks, 9u);
  const auto freed = sum_sites(snap, sites_of(cap, "use_and_free"));
  EXPECT_EQ(freed.total_blocks, 10u);
  EXPECT_EQ(freed.live_blocks, 0u);
}

TEST(Preload, SplitsUnfreedMemoryIntoUnreachableAndReachable) {
  const TargetRun run = run_target("leaks", {"leaks"});
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  const auto& cap = run.capture;
  ASSERT_TRUE(cap.exit.has_value());
  const auto lost = sum_exit(*cap.exit, sites_of(cap, "leak_unreachable"));
  EXPECT_EQ(lost.unreachable_bytes, 1000u);
  EXPECT_EQ(lost.unreachable_blocks, 1u);
  EXPECT_EQ(lost.reachable_blocks, 0u);
  const auto kept = sum_exit(*cap.exit, sites_of(cap, "keep_reachable"));
  EXPECT_EQ(kept.reachable_bytes, 2000u);
  EXPECT_EQ(kept.unreachable_blocks, 0u);
  // Both blocks of the chain are reachable (the second one through the first).
  const auto chained = sum_exit(*cap.exit, sites_of(cap, "keep_chained"));
  EXPECT_EQ(chained.reachable_blocks, 2u);
  EXPECT_EQ(chained.unreachable_blocks, 0u);
  // Memory the program mapped itself is a root, as it is for valgrind.
  const auto mapped = sum_exit(*cap.exit, sites_of(cap, "keep_in_mapped_memory"));
  EXPECT_EQ(mapped.reachable_bytes, 777u);
  EXPECT_EQ(mapped.unreachable_blocks, 0u);
  EXPECT_GE(cap.exit->unreachable_bytes(), 1000u);
}

TEST(Preload, WritesTheExitReportWhenAThreadCallsExit) {
  const TargetRun run = run_target("exit-thread", {"exit-from-thread"});
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  const auto& cap = run.capture;
  ASSERT_TRUE(cap.exit.has_value());
  EXPECT_EQ(sum_exit(*cap.exit, sites_of(cap, "keep_reachable")).reachable_bytes, 2000u);
  EXPECT_EQ(sum_exit(*cap.exit, sites_of(cap, "leak_unreachable")).unreachable_bytes, 1000u);
}

TEST(Preload, SymbolizesTheAllocatingFunctionWithFileAndLine) {
  const TargetRun run = run_target("symbols", {"leaks"});
  ASSERT_TRUE(run.result.ok());
  const auto& cap = run.capture;
  const auto ids = sites_of(cap, "keep_reachable");
  ASSERT_EQ(ids.size(), 1u);
  vp::Symbolizer sym(cap.modules);
  const auto frames = sym.report_stack(cap.site(ids[0])->frames);
  ASSERT_GE(frames.size(), 2u);
  EXPECT_NE(frames[0].function.find("keep_reachable"), std::string::npos);
  EXPECT_TRUE(frames[0].file.ends_with("target.cpp")) << frames[0].file;
  EXPECT_GT(frames[0].line, 0);
  EXPECT_NE(frames[1].function.find("run_leaks"), std::string::npos) << frames[1].function;
  for (const auto& f : frames) {
    EXPECT_EQ(f.function.find("operator new"), std::string::npos);
    EXPECT_NE(f.function, "malloc");
    EXPECT_EQ(f.module.find("libvigil_preload"), std::string::npos);
  }
}

// Through code built without frame pointers, while rbp holds garbage: by
// its unwind tables (the default walk) and by libunwind.
TEST(Preload, WalksThroughCodeWithoutFramePointers) {
  for (const auto unwind : {vp::UnwindMethod::FramePointer, vp::UnwindMethod::Libunwind}) {
    vp::RunOptions options;
    options.unwind = unwind;
    const TargetRun run = run_target("nofp", {"no-frame-pointers"}, options);
    ASSERT_TRUE(run.result.ok()) << run.result.describe();
    const auto ids = sites_of(run.capture, "allocate_behind_nofp");
    ASSERT_EQ(ids.size(), 1u);
    vp::Symbolizer sym(run.capture.modules);
    const auto frames = sym.symbolize_stack(run.capture.site(ids[0])->frames);
    std::vector<std::string> names;
    for (const auto& f : frames) names.push_back(f.function);
    ASSERT_GE(names.size(), 5u);
    EXPECT_EQ(names[1], "nofp_inner");
    EXPECT_EQ(names[2], "nofp_outer");
    EXPECT_NE(names[3].find("run_no_frame_pointers"), std::string::npos) << names[3];
    EXPECT_EQ(names[4], "main");
  }
}

TEST(Preload, SnapshotsAtEveryCycleShowTheGrowth) {
  const TargetRun run = run_target("cycles", {"cycles", "10"});
  ASSERT_TRUE(run.result.ok());
  const auto& cap = run.capture;
  ASSERT_EQ(cap.snapshots.size(), 11u);
  const auto ids = sites_of(cap, "grow_cache");
  ASSERT_EQ(ids.size(), 1u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(cap.snapshots[i].index, i);
    EXPECT_EQ(sum_sites(cap.snapshots[i], ids).live_bytes, 512u * (i + 1));
    if (i > 0) {
      EXPECT_GE(cap.snapshots[i].time_ns, cap.snapshots[i - 1].time_ns);
    }
  }
}

TEST(Preload, TimerSnapshotsWhenTheProgramNeverCallsCycle) {
  vp::RunOptions options;
  options.interval = std::chrono::milliseconds(50);
  const TargetRun run = run_target("timer", {"timer", "400"}, options);
  ASSERT_TRUE(run.result.ok());
  const auto& cap = run.capture;
  std::size_t timer = 0;
  for (const auto& s : cap.snapshots) {
    if (s.trigger != vp::SnapshotTrigger::Timer) continue;
    ++timer;
    EXPECT_EQ(s.threads, 1u);  // the tracker's own timer thread is not counted
  }
  EXPECT_GE(timer, 2u);
}

TEST(Preload, SamplingModeEstimatesWithoutScanning) {
  vp::RunOptions options;
  options.sample_bytes = 256;
  const TargetRun run = run_target("sampling", {"cycles", "200"}, options);
  ASSERT_TRUE(run.result.ok());
  const auto& cap = run.capture;
  EXPECT_EQ(cap.sample_bytes, 256u);
  ASSERT_TRUE(cap.exit.has_value());
  EXPECT_FALSE(cap.exit->scanned);
  // 200 blocks of 512 bytes = 102400 bytes; each sample of 512 bytes stands
  // for 512 / (1 - e^-2) = 592 bytes, and most blocks are sampled.
  const auto sum = sum_sites(exit_snapshot(cap), sites_of(cap, "grow_cache"));
  EXPECT_GT(sum.live_bytes, 102400u / 2);
  EXPECT_LT(sum.live_bytes, 102400u * 2);
}

TEST(Preload, ReportsTargetFailureAndKeepsWhatWasWritten) {
  const TargetRun exit3 = run_target("exit3", {"exit3"});
  EXPECT_TRUE(exit3.result.exited);
  EXPECT_EQ(exit3.result.exit_code, 3);
  EXPECT_FALSE(exit3.result.ok());
  EXPECT_TRUE(exit3.capture.exit.has_value());

  const TargetRun aborted = run_target("abort", {"abort"});
  EXPECT_FALSE(aborted.result.exited);
  EXPECT_EQ(aborted.result.signal, SIGABRT);
  EXPECT_FALSE(aborted.capture.exit.has_value());
  EXPECT_NE(aborted.result.describe().find("signal 6"), std::string::npos);
}

TEST(Preload, ExecStartsANewCaptureForTheNewImage) {
  const TargetRun run = run_target("exec", {"exec"});
  ASSERT_TRUE(run.result.ok()) << run.result.describe();
  const auto files = vp::list_captures(run.dir);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].generation, 0u);
  EXPECT_EQ(files[1].generation, 1u);
  const auto before = vp::read_capture_file(files[0].file);
  EXPECT_FALSE(before.exit.has_value());  // exec ran no exit handlers
  EXPECT_EQ(before.snapshots.size(), 1u);
  // read_capture picks the image that ran last.
  EXPECT_EQ(run.capture.file, files[1].file);
  EXPECT_TRUE(run.capture.exit.has_value());
  EXPECT_EQ(run.capture.snapshots.size(), 3u);
}

TEST(CycleMarker, IsANoOpWithoutThePreload) {
  // The target links the vigil_cycle library and calls vigil_cycle() 3 times.
  const std::string command = std::string("env -u LD_PRELOAD ") + VIGIL_TEST_TARGET + " cycles 3";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}
