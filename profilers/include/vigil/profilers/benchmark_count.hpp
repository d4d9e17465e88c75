#pragma once
// Counts what one iteration of each benchmark of a Google Benchmark binary
// costs, under Valgrind's Callgrind with its cache simulation: instructions,
// data reads and writes, first- and last-level cache misses, estimated cycles.
//
// Only the measured loop counts: Callgrind dumps its counters when
// benchmark::State::StartKeepRunning returns and when FinishKeepRunning is
// called (and around PauseTiming/ResumeTiming), so set-up, tear-down and the
// harness fall outside. Each benchmark runs in a process of its own with a
// minimum time far beyond reach, so Google Benchmark runs it for 1, 10, 100,
// ... iterations (its schedule while a run takes under a tenth of the minimum
// time), each run's count logged (--v=2); the process is stopped once the run
// of `iterations` is done. The per-iteration figure is the difference between
// that run and the run of a tenth as many iterations, divided by the
// difference in iterations: what every iteration costs, without the one-off
// costs of a run (first-touch cache misses, lazy initialisation).
//
// Deterministic by construction: the counts depend on neither time nor load
// (each process sees the same environment, no address randomisation, a
// fixed-length argv[0], the same simulated cache whatever the host's), and the
// two iteration counts are fixed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "vigil/profilers/callgrind_dump.hpp"
#include "vigil/profilers/event_counts.hpp"
#include "vigil/profilers/function_shares.hpp"

namespace vigil::profilers {

// Bad input: no command, not a Google Benchmark binary, no valgrind, a filter
// that matches nothing, a benchmark that fails. what() is one line.
class CountError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The simulated caches (size, associativity, line size): fixed so that counts
// do not depend on the machine: 32 KiB 8-way L1s and an 8 MiB 16-way last
// level, 64-byte lines.
inline constexpr const char* kI1Cache = "32768,8,64";
inline constexpr const char* kD1Cache = "32768,8,64";
inline constexpr const char* kLLCache = "8388608,16,64";

struct CountOptions {
  std::vector<std::string> command;  // BENCH [ARGS...]
  std::string filter;                // regex on benchmark names; empty: all
  std::uint64_t iterations = 1000;   // a power of ten, at least 10
  unsigned jobs = 1;                 // benchmarks counted at once
  std::chrono::seconds timeout{600};     // per benchmark
  std::vector<std::string> environment;  // NAME=value: the benchmark's whole environment
};

// Throws CountError when `iterations` is not a power of ten from 10 to 10^8.
void check_iterations(std::uint64_t iterations);

struct BenchmarkCount {
  std::string name;
  std::uint64_t iterations = 0;       // the run counted
  std::uint64_t base_iterations = 0;  // the run subtracted from it (0: none)
  EventCounts per_iteration;
  std::vector<FunctionShare> functions;  // largest |instructions| first
};

struct SkippedBenchmark {
  std::string name, reason;
};

struct CountResult {
  std::vector<BenchmarkCount> benchmarks;  // in the binary's order
  std::vector<SkippedBenchmark> skipped;
  std::string valgrind;  // e.g. "callgrind-3.19.0"
};

using CountProgress = std::function<void(std::size_t done, std::size_t total)>;

// Throws CountError on bad input or a benchmark that fails.
CountResult count_benchmarks(const CountOptions& options, const CountProgress& progress = {});

// --- building blocks, exposed for tests ---

// One run of a benchmark's loop, from the dumps of its process.
struct LoopRun {
  std::uint64_t iterations = 0;
  EventCounts cost;        // measured stretches only
  std::vector<int> parts;  // the dumps (part numbers) holding them
};

// Splits a process's dumps (headers suffice; in part order) into the loop
// runs they measured, the i-th complete one having run_iterations[i].
// Runs whose loop did not finish (the process was stopped) are left out.
std::vector<LoopRun> loop_runs(const std::vector<CallgrindDump>& dumps,
                               const std::vector<std::uint64_t>& run_iterations);

// The two runs to difference: the longest of at most `target` iterations and
// the longest shorter one (the standard schedule: target and target / 10).
// Without runs of at most `target` the shortest runs are used; with a single
// run, `base` is empty and the per-iteration cost includes its one-off costs.
struct RunChoice {
  std::size_t counted;
  std::optional<std::size_t> base;
};
std::optional<RunChoice> choose_runs(const std::vector<LoopRun>& runs, std::uint64_t target);

// Per-iteration cost of `choice`, and the functions of the dumps of the two
// runs (dumps by part number) with their own instructions per iteration.
BenchmarkCount per_iteration(const std::string& name, const std::vector<LoopRun>& runs, const RunChoice& choice,
                             const std::function<const CallgrindDump&(int part)>& dump_with_functions);

}  // namespace vigil::profilers
