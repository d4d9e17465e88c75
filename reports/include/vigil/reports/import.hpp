#pragma once
// Google Benchmark JSON (`--benchmark_out`) as a vigil.report/1 report, and a
// loader that accepts either format.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "vigil/reports/report.hpp"

namespace vigil::reports {

// True when `j` has the shape of a Google Benchmark JSON file.
bool is_google_benchmark_json(const nlohmann::json& j);

// One metric per benchmark run name and time kind (bench.<name>.real_time_ns,
// bench.<name>.cpu_time_ns; repetitions kept as samples, value = median) and
// one per user counter (bench.<name>.<counter>, mean over repetitions).
// Throws ReportError naming the first benchmark that reported an error, or
// on a file that is not Google Benchmark JSON.
Report import_google_benchmark(const nlohmann::json& j);

// Reads a vigil.report/1 file, a Google Benchmark JSON file (imported on
// the fly) or folded stacks (a report of tool "profile" whose profile
// "profile" they are); throws ReportError with a one-line reason.
Report load_any_report(const std::filesystem::path& path);

}  // namespace vigil::reports
