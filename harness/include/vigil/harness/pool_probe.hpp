#pragma once
// The logic of vigil-pool: drives an EventPool through request cycles on one
// and on N threads, measures reuse, fresh allocations after warm-up and the
// latency of acquire+release against plain new+delete of the same Event in
// the same run, then judges the numbers. Plain structs in, plain structs out.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vigil/harness/defects.hpp"

namespace vigil::harness {

struct PoolProbeOptions {
  std::uint64_t requests = 1'000'000; // per thread-count run, split over threads
  unsigned threads = 2;               // runs at 1 thread and, if > 1, at this count
  std::size_t events_per_request = 4; // events held at once by one request
  std::size_t batch_requests = 128;   // requests per timed batch
  std::size_t windows = 10;           // counter snapshots per run
  std::size_t warmup_windows = 1;     // leading windows excluded from judgement
  DefectSet defects;
};

struct LatencySummary {
  double median_ns = 0;  // per acquire+release (or new+delete) pair
  double p99_ns = 0;
  std::vector<double> samples;  // one per timed batch
};

// Counters of one window (deltas, summed over threads).
struct PoolWindow {
  std::uint64_t acquires = 0;
  std::uint64_t reuses = 0;
  std::uint64_t fresh_allocations = 0;
};

struct PoolRun {
  unsigned threads = 1;
  std::vector<PoolWindow> windows;  // including warm-up windows
  std::size_t warmup_windows = 0;
  LatencySummary pool;
  LatencySummary plain;

  PoolWindow after_warmup() const;  // sum of the windows after warm-up
  double reuse_ratio_after_warmup() const;
  double speedup_vs_new() const;    // plain median / pool median
};

struct PoolProbeResult {
  std::vector<PoolRun> runs;  // thread counts ascending
};

// Called with (work done, total work) as the probe advances.
using ProbeProgress = std::function<void(std::uint64_t, std::uint64_t)>;

// Throws std::invalid_argument on options that cannot run (zero requests...).
PoolProbeResult run_pool_probe(const PoolProbeOptions& options, const ProbeProgress& progress = {});

struct PoolJudgeOptions {
  double min_reuse = 0.95;
  // Fresh allocations in the last window, as a share of its acquires, above
  // which allocations "keep growing" after warm-up.
  double max_fresh_share_last_window = 0.001;
  // The pool is flagged when its median is above plain new+delete's times this.
  double max_slowdown = 1.0;
};

struct PoolJudgement {
  std::string kind;  // "low-reuse", "pool-slower-than-new", "fresh-allocations-growing"
  unsigned threads = 1;
  std::string message;
  double value = 0;      // the measured figure the finding is about
  double threshold = 0;  // what it was compared with
};

std::vector<PoolJudgement> judge_pool_probe(const PoolProbeResult& result,
                                            const PoolJudgeOptions& options = {});

}  // namespace vigil::harness
