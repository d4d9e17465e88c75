#include "vigil/profilers/leak_analysis.hpp"

#include <cmath>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/profilers/leak_findings.hpp"

namespace vigil::profilers {
namespace {

constexpr std::size_t kCycles = 60;

SiteSeries site(std::uint64_t id, auto bytes_of, double block_size) {
  SiteSeries s;
  s.site = id;
  for (std::size_t i = 0; i < kCycles; ++i) {
    const double b = bytes_of(static_cast<double>(i));
    s.live_bytes.push_back(b);
    s.live_blocks.push_back(b / block_size);
  }
  return s;
}

LeakSeries sample_run(bool leak_threads) {
  LeakSeries run;
  run.sites.push_back(site(1, [](double i) { return 4096.0 + 256.0 * i; }, 64));           // leak
  run.sites.push_back(site(2, [](double i) { return 128.0 * std::min(i, 10.0); }, 128));   // bounded cache
  run.sites.push_back(site(3, [](double) { return 1000.0; }, 1000));                     // one-time global
  for (std::size_t i = 0; i < kCycles; ++i) {
    double bytes = 0, blocks = 0;
    for (const SiteSeries& s : run.sites) {
      bytes += s.live_bytes[i];
      blocks += s.live_blocks[i];
    }
    run.total_live_bytes.push_back(bytes);
    run.total_live_blocks.push_back(blocks);
    run.threads.push_back(leak_threads ? 2.0 + static_cast<double>(i) : 2.0);
  }
  return run;
}

// Totals of a run whose sites were changed: the sum of its sites.
void recount_totals(LeakSeries& run) {
  for (std::size_t i = 0; i < kCycles; ++i) {
    run.total_live_bytes[i] = run.total_live_blocks[i] = 0;
    for (const SiteSeries& s : run.sites) {
      run.total_live_bytes[i] += s.live_bytes[i];
      run.total_live_blocks[i] += s.live_blocks[i];
    }
  }
}

std::vector<reports::Frame> stack_of(std::uint64_t site) {
  reports::Frame f;
  f.function = "allocator_" + std::to_string(site);
  f.file = "/src/site.cpp";
  f.line = static_cast<int>(site) * 10;
  return {f};
}

std::size_t count_kind(const reports::Report& r, const std::string& kind, reports::Severity s) {
  return static_cast<std::size_t>(std::count_if(r.findings.begin(), r.findings.end(), [&](const auto& f) {
    return f.kind == kind && f.severity == s;
  }));
}

TEST(LeakAnalysis, OnlyTheSteadilyGrowingSiteIsALeak) {
  const LeakSeries run = sample_run(false);
  const LeakAnalysis a = analyse_leaks(run, GrowthOptions{});
  ASSERT_EQ(a.growing_sites.size(), 1u);
  EXPECT_EQ(a.growing_sites[0].site, 1u);
  EXPECT_NEAR(a.growing_sites[0].bytes.slope, 256.0, 1e-6);
  EXPECT_NEAR(a.growing_sites[0].blocks_per_cycle, 4.0, 1e-6);
  EXPECT_FALSE(a.threads.growing);
  EXPECT_TRUE(a.total_bytes.growing);

  reports::Report r;
  add_leak_results(r, run, a, stack_of);
  EXPECT_EQ(count_kind(r, "leak", reports::Severity::Error), 1u);
  EXPECT_EQ(count_kind(r, "thread-leak", reports::Severity::Error), 0u);
  const reports::Finding& f = r.findings.at(0);
  ASSERT_FALSE(f.stack.empty());
  EXPECT_EQ(f.stack[0].function, "allocator_1");
  EXPECT_NE(f.message.find("allocator_1 (site.cpp:10)"), std::string::npos) << f.message;
  EXPECT_NEAR(r.metrics.at("leak.bytes_per_cycle").value, 256.0, 1e-6);
  EXPECT_NEAR(r.metrics.at("leak.blocks_per_cycle").value, 4.0, 1e-6);
  EXPECT_DOUBLE_EQ(r.metrics.at("leak.growing_sites").value, 1.0);
  EXPECT_DOUBLE_EQ(r.metrics.at("leak.threads_growth").value, 0.0);
  EXPECT_EQ(r.metrics.count("leak.unreachable_bytes"), 0u);  // no exit scan in this run
  EXPECT_EQ(r.series.at("live_bytes").points.size(), kCycles);
  EXPECT_EQ(r.series.at("threads").y, "threads");
}

TEST(LeakAnalysis, AGrowthFindingSaysItsShapeAndEvidence) {
  const LeakSeries run = sample_run(false);
  const LeakAnalysis a = analyse_leaks(run, GrowthOptions{});
  reports::Report r;
  add_leak_results(r, run, a, stack_of);
  const reports::Finding& f = r.findings.at(0);
  EXPECT_NE(f.message.find("grows steadily: 256.0 bytes (4.00 blocks) per cycle"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("Theil-Sen 256 B/cycle (95% CI 256 B to 256 B)"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("live 4.0 KiB in 64 blocks at cycle 0, 18.8 KiB in 300 blocks at the end"),
            std::string::npos)
      << f.message;
  EXPECT_EQ(f.extra.at("shape"), "steady");
  EXPECT_EQ(f.extra.at("grows_in"), "blocks");
  EXPECT_EQ(f.extra.at("steps").at("rises"), kCycles - 1);
  EXPECT_DOUBLE_EQ(f.extra.at("live_bytes_start").get<double>(), 4096.0);
  EXPECT_DOUBLE_EQ(f.extra.at("fit").at("theil_sen_ci95").at(0).get<double>(), 256.0);
}

TEST(LeakAnalysis, ASiteTooShortToTellIsAWarningWithTheCyclesNeeded) {
  LeakSeries run = sample_run(false);
  run.sites.erase(run.sites.begin());
  // One chunk of 16 KiB taken at cycle 30 of 60: a one-off, or a leak every 30 cycles.
  SiteSeries chunk = site(7, [](double i) { return i < 30 ? 16384.0 : 32768.0; }, 16384);
  run.sites.push_back(chunk);
  recount_totals(run);
  const LeakAnalysis a = analyse_leaks(run, GrowthOptions{});
  EXPECT_TRUE(a.growing_sites.empty());
  ASSERT_EQ(a.undecided_sites.size(), 1u);
  EXPECT_EQ(a.undecided_sites[0].cycles_needed, 91u);  // a third rise 30 cycles on, or two waits of 30 with none
  reports::Report r;
  add_leak_results(r, run, a, stack_of);
  EXPECT_FALSE(r.has_error_findings());
  const auto warning = std::find_if(r.findings.begin(), r.findings.end(),
                                    [](const auto& f) { return f.severity == reports::Severity::Warning; });
  ASSERT_NE(warning, r.findings.end());
  EXPECT_EQ(warning->extra.at("shape"), "too-short");
  EXPECT_EQ(warning->extra.at("cycles_needed"), 91u);
  EXPECT_NE(warning->message.find("telling needs a run of at least 91 cycles"), std::string::npos) << warning->message;
}

TEST(LeakAnalysis, BlocksMovingFromOneSiteToAnotherAreNotALeak) {
  // A deque used as a queue: its map, made at one site, is re-centred now and
  // then through another, which frees the old one.
  LeakSeries run = sample_run(false);
  run.sites.erase(run.sites.begin());
  run.sites.push_back(site(8, [](double i) { return 144 * (40 - std::floor(i / 12)); }, 144));
  run.sites.push_back(site(9, [](double i) { return 144 * std::floor(i / 12); }, 144));
  recount_totals(run);
  const LeakAnalysis a = analyse_leaks(run, GrowthOptions{});
  EXPECT_TRUE(a.growing_sites.empty());
  EXPECT_TRUE(a.undecided_sites.empty());
  // Alone, the rising site would be one.
  run.sites.erase(run.sites.end() - 2);
  EXPECT_EQ(analyse_leaks(run, GrowthOptions{}).growing_sites.size(), 1u);
}

TEST(LeakAnalysis, GrowingThreadsAreAThreadLeak) {
  const LeakSeries run = sample_run(true);
  const LeakAnalysis a = analyse_leaks(run, GrowthOptions{});
  EXPECT_TRUE(a.threads.growing);
  reports::Report r;
  add_leak_results(r, run, a, stack_of);
  EXPECT_EQ(count_kind(r, "thread-leak", reports::Severity::Error), 1u);
  EXPECT_NEAR(r.metrics.at("leak.threads_growth").value, 1.0, 1e-9);
  // No growing site keeps one block per thread: the finding has no stack.
  const auto thread_leak = std::find_if(r.findings.begin(), r.findings.end(),
                                        [](const auto& f) { return f.kind == "thread-leak"; });
  EXPECT_TRUE(thread_leak->stack.empty());
  EXPECT_DOUBLE_EQ(r.metrics.at("leak.threads_final").value, 2.0 + kCycles - 1);
}

// The thread-leak finding among the run's results, if any.
std::optional<reports::Finding> thread_leak_of(const LeakSeries& run, const LeakAnalysis& a) {
  reports::Report r;
  add_leak_results(r, run, a, stack_of);
  for (const reports::Finding& f : r.findings) {
    if (f.kind == "thread-leak") return f;
  }
  return std::nullopt;
}

TEST(LeakAnalysis, ThreadLeakNamesTheSiteGrowingAtItsPace) {
  LeakSeries run = sample_run(true);
  run.sites.push_back(site(9, [](double i) { return 304.0 * i; }, 304));  // one block per thread
  const std::optional<reports::Finding> thread_leak = thread_leak_of(run, analyse_leaks(run, GrowthOptions{}));
  ASSERT_TRUE(thread_leak);
  ASSERT_FALSE(thread_leak->stack.empty());
  EXPECT_EQ(thread_leak->stack[0].function, "allocator_9");
  EXPECT_EQ(thread_leak->extra.at("site"), 9u);
}

TEST(LeakAnalysis, ThreadLeakTooSmallForItsSiteNamesTheSiteRisingInTheSameCycles) {
  // Two threads leaked in a short run: each keeps a 64-byte state block, too
  // little for the site to be judged on its own; it rose when the threads did.
  LeakSeries run = sample_run(false);
  const auto threads_at = [](double i) { return 2.0 + (i >= 20 ? 1 : 0) + (i >= 45 ? 1 : 0); };
  run.sites.push_back(site(7, [&](double i) { return 64.0 * (threads_at(i) - 2); }, 64));
  run.sites.push_back(site(8, [&](double i) { return 32.0 * (i >= 20 ? 1 : 0) + 32.0 * (i >= 30 ? 1 : 0); }, 32));
  recount_totals(run);
  for (std::size_t i = 0; i < kCycles; ++i) run.threads[i] = threads_at(static_cast<double>(i));
  const LeakAnalysis a = analyse_leaks(run, GrowthOptions{.warmup = 5});
  ASSERT_TRUE(a.threads.growing);
  const std::optional<reports::Finding> thread_leak = thread_leak_of(run, a);
  ASSERT_TRUE(thread_leak);
  ASSERT_FALSE(thread_leak->stack.empty());
  EXPECT_EQ(thread_leak->stack[0].function, "allocator_7");  // not site 8: it rose in other cycles
}

TEST(LeakAnalysis, ExitScanSplitsUnreachableFromReachable) {
  LeakSeries run = sample_run(false);
  run.exit = std::vector<ExitSite>{
      {.site = 1, .unreachable_bytes = 0, .unreachable_blocks = 0, .reachable_bytes = 19200, .reachable_blocks = 300},
      {.site = 2, .unreachable_bytes = 640, .unreachable_blocks = 5, .reachable_bytes = 640, .reachable_blocks = 5},
      {.site = 3, .unreachable_bytes = 0, .unreachable_blocks = 0, .reachable_bytes = 1000, .reachable_blocks = 1},
  };
  const LeakAnalysis a = analyse_leaks(run, GrowthOptions{});
  EXPECT_DOUBLE_EQ(a.unreachable_bytes, 640);
  EXPECT_DOUBLE_EQ(a.reachable_bytes, 20840);
  reports::Report r;
  add_leak_results(r, run, a, stack_of);
  // Site 1 grew (error), site 2 leaked unreachable blocks (error); sites 2 and 3
  // are still reachable (info); site 1's reachable memory is already the growth finding.
  EXPECT_EQ(count_kind(r, "leak", reports::Severity::Error), 2u);
  EXPECT_EQ(count_kind(r, "still-reachable", reports::Severity::Info), 2u);
  const auto unreachable = std::find_if(r.findings.begin(), r.findings.end(), [](const auto& f) {
    return f.extra.value("at_exit", "") == "unreachable";
  });
  ASSERT_NE(unreachable, r.findings.end());
  EXPECT_EQ(unreachable->stack.at(0).function, "allocator_2");
  EXPECT_DOUBLE_EQ(*unreachable->bytes, 640);
  EXPECT_DOUBLE_EQ(r.metrics.at("leak.unreachable_blocks").value, 5);
}

reports::Frame frame(std::string function, std::string module, std::string file = "", int line = 0,
                     bool inlined = false) {
  reports::Frame f;
  f.function = std::move(function);
  f.module = std::move(module);
  f.file = std::move(file);
  f.line = line;
  f.inlined = inlined;
  return f;
}

TEST(LeakAnalysis, GlibcThreadCacheTlsIsNotALeak) {
  LeakSeries run = sample_run(false);
  run.exit = std::vector<ExitSite>{{.site = 4, .unreachable_bytes = 336, .unreachable_blocks = 1},
                                   {.site = 5, .unreachable_bytes = 64, .unreachable_blocks = 1}};
  const StackOf stacks = [](std::uint64_t site) {
    std::vector<reports::Frame> frames(2);
    frames[0].function = site == 4 ? "_dl_allocate_tls" : "make_widget";
    frames[0].module = site == 4 ? "/lib64/ld-linux-x86-64.so.2" : "/usr/bin/app";
    frames[1].function = "main";
    return frames;
  };
  EXPECT_EQ(reclassify_runtime_internals(run, stacks), 1u);
  EXPECT_DOUBLE_EQ(run.exit->at(0).unreachable_bytes, 0);
  EXPECT_DOUBLE_EQ(run.exit->at(0).reachable_bytes, 336);
  EXPECT_DOUBLE_EQ(run.exit->at(1).unreachable_bytes, 64);  // a real leak stays one
}

TEST(LeakAnalysis, LoaderTlsIsFoundUnderTheLoadersOwnHelpers) {
  // With inlined calls expanded, _dl_allocate_tls sits under allocate_dtv
  // and an inlined calloc wrapper, all in the loader.
  LeakSeries run = sample_run(false);
  run.exit = std::vector<ExitSite>{{.site = 4, .unreachable_bytes = 336, .unreachable_blocks = 1},
                                   {.site = 5, .unreachable_bytes = 64, .unreachable_blocks = 1}};
  const StackOf stacks = [](std::uint64_t site) {
    std::vector<reports::Frame> frames;
    const std::string loader = "/lib64/ld-linux-x86-64.so.2";
    frames.push_back(frame("calloc", loader, "", 0, true));
    frames.push_back(frame("allocate_dtv", loader));
    // Site 5: the name appears, but below the program's own frame: not the loader's.
    if (site == 5) frames.push_back(frame("make_tls", "/usr/bin/app"));
    frames.push_back(frame("_dl_allocate_tls", loader));
    frames.push_back(frame("pthread_create", "/lib/x86_64-linux-gnu/libc.so.6"));
    return frames;
  };
  EXPECT_EQ(reclassify_runtime_internals(run, stacks), 1u);
  EXPECT_DOUBLE_EQ(run.exit->at(0).unreachable_bytes, 0);
  EXPECT_DOUBLE_EQ(run.exit->at(1).unreachable_bytes, 64);
}

TEST(LeakAnalysis, FindingsNameTheFirstFrameOfTheUsersCode) {
  LeakSeries run = sample_run(true);
  const LeakAnalysis a = analyse_leaks(run, GrowthOptions{});
  reports::Report r;
  const StackOf stacks = [](std::uint64_t) {
    std::vector<reports::Frame> frames;
    frames.push_back(frame("std::__new_allocator<char>::allocate", "/src/a.out",
                           "/usr/include/c++/12/bits/new_allocator.h", 137, true));
    frames.push_back(frame("operator new", "/lib/x86_64-linux-gnu/libstdc++.so.6"));
    frames.push_back(frame("Cache::put", "/src/a.out", "/src/cache.cpp", 12));
    frames.push_back(frame("main", "/src/a.out", "/src/main.cpp", 3));
    return frames;
  };
  add_leak_results(r, run, a, stacks);
  const auto leak = std::find_if(r.findings.begin(), r.findings.end(), [](const auto& f) { return f.kind == "leak"; });
  ASSERT_NE(leak, r.findings.end());
  EXPECT_NE(leak->message.find("Cache::put (cache.cpp:12)"), std::string::npos) << leak->message;
  EXPECT_EQ(leak->message.find("new_allocator"), std::string::npos) << leak->message;
  EXPECT_EQ(leak->stack.size(), 4u);  // the report keeps every frame
}

TEST(LeakAnalysis, SystemCodeIsHeadersRuntimeLoaderAndDistributionLibraries) {
  EXPECT_TRUE(in_system_code(frame("f", "/src/a.out", "/usr/include/c++/12/bits/stl_vector.h")));
  EXPECT_TRUE(in_system_code(frame("f", "/src/a.out", "/usr/lib/gcc/x86_64-linux-gnu/12/include/x.h")));
  EXPECT_TRUE(in_system_code(frame("malloc", "/lib/x86_64-linux-gnu/libc.so.6")));
  EXPECT_TRUE(in_system_code(frame("g", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6")));
  EXPECT_TRUE(in_system_code(frame("h", "/lib64/ld-linux-x86-64.so.2")));
  EXPECT_TRUE(in_system_code(frame("fmt::v9::detail::print", "/usr/lib/x86_64-linux-gnu/libfmt.so.9")));
  EXPECT_TRUE(in_system_code(frame("malloc", "libc.so.6")));
  EXPECT_FALSE(in_system_code(frame("grow", "/work/app/a.out", "/work/app/grow.cpp")));
  EXPECT_FALSE(in_system_code(frame("x", "/opt/libcustom.so")));
  EXPECT_FALSE(in_system_code(frame("y", "/usr/local/lib/libmine.so")));
}

TEST(LeakAnalysis, CleanRunHasNoErrorFindings) {
  LeakSeries run = sample_run(false);
  run.sites.erase(run.sites.begin());
  for (std::size_t i = 0; i < kCycles; ++i) run.total_live_bytes[i] = run.sites[0].live_bytes[i] + 1000;
  const LeakAnalysis a = analyse_leaks(run, GrowthOptions{});
  reports::Report r;
  add_leak_results(r, run, a, stack_of);
  EXPECT_FALSE(r.has_error_findings());
  EXPECT_DOUBLE_EQ(r.metrics.at("leak.bytes_per_cycle").value, 0.0);
}

TEST(LeakAnalysis, DescribeFrameFallsBackToModuleAndOffset) {
  reports::Frame f;
  f.module = "libfoo.so";
  f.offset = 0x1234;
  EXPECT_EQ(describe_frame(f), "libfoo.so+0x1234");
  f.function = "grow";
  f.file = "/a/b/grow.cpp";
  f.line = 7;
  EXPECT_EQ(describe_frame(f), "grow (grow.cpp:7)");
  f.inlined = true;
  EXPECT_EQ(describe_frame(f), "grow (grow.cpp:7) (inlined)");
}

}  // namespace
}  // namespace vigil::profilers

namespace vigil::profilers {
namespace {

Snapshot snapshot(std::uint64_t index, SnapshotTrigger trigger, std::uint64_t threads,
                  std::vector<SiteCounters> sites) {
  Snapshot s;
  s.index = index;
  s.trigger = trigger;
  s.threads = threads;
  s.sites = std::move(sites);
  for (const SiteCounters& c : s.sites) {
    s.live_bytes += c.live_bytes;
    s.live_blocks += c.live_blocks;
  }
  return s;
}

TEST(LeakSeriesFromCapture, UsesCycleSnapshotsAndAlignsSites) {
  Capture c;
  c.snapshots.push_back(snapshot(0, SnapshotTrigger::Timer, 1, {{.site = 1, .live_bytes = 5, .live_blocks = 1}}));
  c.snapshots.push_back(snapshot(1, SnapshotTrigger::Cycle, 1, {{.site = 1, .live_bytes = 10, .live_blocks = 1}}));
  c.snapshots.push_back(snapshot(2, SnapshotTrigger::Cycle, 2,
                                 {{.site = 1, .live_bytes = 20, .live_blocks = 2},
                                  {.site = 7, .live_bytes = 64, .live_blocks = 1}}));
  c.snapshots.push_back(snapshot(3, SnapshotTrigger::Exit, 1, {}));
  c.exit = ExitReport{.scanned = true,
                      .sites = {{.site = 7, .unreachable_bytes = 64, .unreachable_blocks = 1}}};

  std::vector<const Snapshot*> used;
  const LeakSeries s = leak_series_from_capture(c, &used);
  ASSERT_EQ(used.size(), 2u);
  EXPECT_EQ(used[0]->index, 1u);
  EXPECT_EQ(s.total_live_bytes, (std::vector<double>{10, 84}));
  EXPECT_EQ(s.threads, (std::vector<double>{1, 2}));
  ASSERT_EQ(s.sites.size(), 2u);
  EXPECT_EQ(s.sites[1].site, 7u);
  EXPECT_EQ(s.sites[1].live_bytes, (std::vector<double>{0, 64}));  // absent at first: 0
  ASSERT_TRUE(s.exit.has_value());
  EXPECT_DOUBLE_EQ(s.exit->at(0).unreachable_bytes, 64);
}

TEST(LeakSeriesFromCapture, FallsBackToTimerSnapshots) {
  Capture c;
  for (std::uint64_t i = 0; i < 3; ++i) {
    c.snapshots.push_back(snapshot(i, SnapshotTrigger::Timer, 1, {{.site = 1, .live_bytes = i * 8, .live_blocks = i}}));
  }
  c.snapshots.push_back(snapshot(3, SnapshotTrigger::Exit, 1, {}));
  const LeakSeries s = leak_series_from_capture(c);
  EXPECT_EQ(s.total_live_bytes, (std::vector<double>{0, 8, 16}));
  EXPECT_FALSE(s.exit.has_value());
}

TEST(FoldedStacks, RootFirstMergedAndLargestFirst) {
  const Snapshot s = snapshot(0, SnapshotTrigger::Cycle, 1,
                              {{.site = 1, .live_bytes = 100, .live_blocks = 1},
                               {.site = 2, .live_bytes = 50, .live_blocks = 1},
                               {.site = 3, .live_bytes = 400, .live_blocks = 1},
                               {.site = 4, .live_bytes = 0, .live_blocks = 0}});
  const StackOf stacks = [](std::uint64_t site) {
    std::vector<reports::Frame> frames(2);
    frames[0].function = site == 3 ? "grow" : "leaf;odd";
    frames[1].function = "main";
    return frames;
  };
  EXPECT_EQ(folded_stacks(s, stacks), "main;grow 400\nmain;leaf:odd 150\n");
}

}  // namespace
}  // namespace vigil::profilers
