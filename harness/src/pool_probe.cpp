#include "vigil/harness/pool_probe.hpp"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "vigil/framework/memory/event_pool.hpp"
#include "vigil/reports/statistics.hpp"

namespace vigil::harness {
namespace {

using framework::Event;
using framework::EventPool;
using framework::PoolCounters;

using SteadyClock = std::chrono::steady_clock;

// Keeps the compiler from proving an allocation unused and removing the
// new/delete pair being measured.
inline void escape(void* p) { asm volatile("" : : "g"(p) : "memory"); }

LatencySummary summarize(std::vector<double> samples) {
  LatencySummary s;
  s.median_ns = reports::median(samples);
  s.p99_ns = reports::percentile(samples, 99);
  s.samples = std::move(samples);
  return s;
}

struct ThreadSamples {
  std::vector<double> pool;
  std::vector<double> plain;
};

// One run at `threads` threads: windows of (pool phase, plain phase), each
// phase ending at a barrier where the pool's counters are snapshot.
PoolRun run_at(const PoolProbeOptions& o, unsigned threads, std::uint64_t& done, std::uint64_t total,
               const ProbeProgress& progress) {
  EventPool pool(apply_defects(o.defects).pool);
  PoolRun run;
  run.threads = threads;
  run.warmup_windows = o.warmup_windows;

  const std::uint64_t per_thread = std::max<std::uint64_t>(o.requests / threads, o.windows);
  const std::uint64_t per_window = per_thread / o.windows;
  const std::size_t k = o.events_per_request;

  PoolCounters last{};
  std::size_t phase = 0;
  auto on_phase_end = [&]() noexcept {
    if (phase % 2 == 0) {
      const PoolCounters now = pool.counters();
      run.windows.push_back({now.acquires - last.acquires, now.reuses - last.reuses,
                             now.fresh_allocations - last.fresh_allocations});
      last = now;
    }
    ++phase;
    done += per_window * threads;
    if (progress) progress(done, total);
  };
  std::barrier sync(static_cast<std::ptrdiff_t>(threads), on_phase_end);

  std::vector<ThreadSamples> samples(threads);
  auto body = [&](unsigned t) {
    ThreadSamples& mine = samples[t];
    std::vector<Event*> held(k);
    for (std::size_t w = 0; w < o.windows; ++w) {
      const bool measured = w >= o.warmup_windows;
      for (int plain = 0; plain < 2; ++plain) {
        for (std::uint64_t left = per_window; left > 0;) {
          const std::uint64_t n = std::min<std::uint64_t>(left, o.batch_requests);
          left -= n;
          const auto start = SteadyClock::now();
          for (std::uint64_t r = 0; r < n; ++r) {
            if (plain == 0) {
              for (auto& e : held) {
                e = pool.acquire();
                e->response.status = 201;
              }
              for (Event* e : held) pool.release(e);
            } else {
              for (auto& e : held) {
                e = new Event();
                e->response.status = 201;
                escape(e);
              }
              for (Event* e : held) delete e;
            }
          }
          const auto ns = std::chrono::duration<double, std::nano>(SteadyClock::now() - start).count();
          if (measured) (plain == 0 ? mine.pool : mine.plain).push_back(ns / static_cast<double>(n * k));
        }
        sync.arrive_and_wait();
      }
    }
  };

  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) workers.emplace_back(body, t);
  body(0);
  for (auto& w : workers) w.join();

  std::vector<double> pool_ns, plain_ns;
  for (auto& s : samples) {
    pool_ns.insert(pool_ns.end(), s.pool.begin(), s.pool.end());
    plain_ns.insert(plain_ns.end(), s.plain.begin(), s.plain.end());
  }
  run.pool = summarize(std::move(pool_ns));
  run.plain = summarize(std::move(plain_ns));
  return run;
}

}  // namespace

PoolWindow PoolRun::after_warmup() const {
  PoolWindow sum;
  for (std::size_t i = warmup_windows; i < windows.size(); ++i) {
    sum.acquires += windows[i].acquires;
    sum.reuses += windows[i].reuses;
    sum.fresh_allocations += windows[i].fresh_allocations;
  }
  return sum;
}

double PoolRun::reuse_ratio_after_warmup() const {
  const PoolWindow w = after_warmup();
  return w.acquires == 0 ? 0.0 : static_cast<double>(w.reuses) / static_cast<double>(w.acquires);
}

double PoolRun::speedup_vs_new() const { return pool.median_ns > 0 ? plain.median_ns / pool.median_ns : 0.0; }

PoolProbeResult run_pool_probe(const PoolProbeOptions& o, const ProbeProgress& progress) {
  if (o.requests == 0) throw std::invalid_argument("requests must be at least 1");
  if (o.threads == 0 || o.threads > 256) throw std::invalid_argument("threads must be within 1..256");
  if (o.events_per_request == 0 || o.events_per_request > 4096) {
    throw std::invalid_argument("events per request must be within 1..4096");
  }
  if (o.batch_requests == 0) throw std::invalid_argument("batch size must be at least 1");
  if (o.windows < 2 || o.warmup_windows >= o.windows) {
    throw std::invalid_argument("need at least one window after the warm-up windows");
  }
  std::vector<unsigned> counts = {1};
  if (o.threads > 1) counts.push_back(o.threads);

  std::uint64_t total = 0;
  for (unsigned t : counts) {
    total += 2 * o.windows * (std::max<std::uint64_t>(o.requests / t, o.windows) / o.windows) * t;
  }
  std::uint64_t done = 0;
  PoolProbeResult result;
  for (unsigned t : counts) result.runs.push_back(run_at(o, t, done, total, progress));
  return result;
}

std::vector<PoolJudgement> judge_pool_probe(const PoolProbeResult& result, const PoolJudgeOptions& o) {
  std::vector<PoolJudgement> out;
  for (const PoolRun& run : result.runs) {
    const double reuse = run.reuse_ratio_after_warmup();
    if (reuse < o.min_reuse) {
      out.push_back({"low-reuse", run.threads,
                     fmt::format("{} thread(s): reuse ratio {:.3f} after warm-up is under the minimum {:.3f}",
                                 run.threads, reuse, o.min_reuse),
                     reuse, o.min_reuse});
    }
    if (run.pool.median_ns > 0 && run.plain.median_ns > 0 &&
        run.pool.median_ns > run.plain.median_ns * o.max_slowdown) {
      out.push_back({"pool-slower-than-new", run.threads,
                     fmt::format("{} thread(s): pool acquire+release {:.1f} ns is slower than new+delete "
                                 "{:.1f} ns (speedup {:.2f}x)",
                                 run.threads, run.pool.median_ns, run.plain.median_ns, run.speedup_vs_new()),
                     run.pool.median_ns, run.plain.median_ns * o.max_slowdown});
    }
    if (run.windows.size() > run.warmup_windows) {
      const PoolWindow& last = run.windows.back();
      const double share =
          last.acquires == 0 ? 0.0 : static_cast<double>(last.fresh_allocations) / static_cast<double>(last.acquires);
      if (share > o.max_fresh_share_last_window) {
        out.push_back({"fresh-allocations-growing", run.threads,
                       fmt::format("{} thread(s): {} fresh allocations in the last window ({:.2f}% of its "
                                   "acquires), {} after warm-up: the pool keeps allocating",
                                   run.threads, last.fresh_allocations, share * 100,
                                   run.after_warmup().fresh_allocations),
                       share, o.max_fresh_share_last_window});
      }
    }
  }
  return out;
}

}  // namespace vigil::harness
