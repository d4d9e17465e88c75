#pragma once
// What vigil-count relies on in a Google Benchmark binary it runs unmodified:
// the library's State::StartKeepRunning and FinishKeepRunning bracket every
// measured loop, --benchmark_list_tests names the benchmarks, and --v=2 logs
// "Running NAME for N" before each run of N iterations.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::profilers {

// Function names as Callgrind writes them (globs for --dump-before/after):
// the measured loop runs from the return of StartKeepRunning to the call of
// FinishKeepRunning, less the stretches between PauseTiming and the return
// of ResumeTiming.
inline constexpr std::string_view kLoopStartFunction = "benchmark::State::StartKeepRunning()";
inline constexpr std::string_view kLoopEndFunction = "benchmark::State::FinishKeepRunning()";
inline constexpr std::string_view kPauseFunction = "benchmark::State::PauseTiming()";
inline constexpr std::string_view kResumeFunction = "benchmark::State::ResumeTiming()";

// True when the file names benchmark::State::StartKeepRunning() (the mangled
// symbol, defined in a static link or imported from libbenchmark.so): every
// Google Benchmark loop calls it. False for a missing or unreadable file.
bool references_google_benchmark(const std::filesystem::path& binary);

// "^NAME$" with the regex characters of NAME escaped: a filter that selects
// exactly one benchmark.
std::string exact_filter(std::string_view name);

// The threads a benchmark runs on, from its "/threads:N" name part (1 without).
int benchmark_threads(std::string_view name);

// "-- LOG(2): Running BM_X/8 for 1000" -> {BM_X/8, 1000}; nullopt for other lines.
struct RunStart {
  std::string name;
  std::uint64_t iterations = 0;
};
std::optional<RunStart> parse_run_start(std::string_view stderr_line);

}  // namespace vigil::profilers
