#pragma once
// Google Benchmark JSON files in the shapes `--benchmark_out` writes.

#include <string>

namespace vigil::reports::test {

inline std::string gbench_context() {
  return R"("context": {"date": "2026-11-23T06:00:00+00:00", "host_name": "ci", "executable": "./vigil-bench",
    "num_cpus": 2, "mhz_per_cpu": 2400, "cpu_scaling_enabled": false, "caches": [],
    "load_avg": [0.5], "library_build_type": "release"})";
}

// One benchmark with three repetitions and its aggregates, one plain run in
// microseconds with a rate counter.
inline std::string gbench_with_repetitions() {
  return "{" + gbench_context() + R"(, "benchmarks": [
    {"name": "route/static", "family_index": 0, "per_family_instance_index": 0, "run_name": "route/static",
     "run_type": "iteration", "repetitions": 3, "repetition_index": 0, "threads": 1, "iterations": 1000,
     "real_time": 11.0, "cpu_time": 10.5, "time_unit": "ns", "allocs_per_iter": 0.0},
    {"name": "route/static", "family_index": 0, "per_family_instance_index": 0, "run_name": "route/static",
     "run_type": "iteration", "repetitions": 3, "repetition_index": 1, "threads": 1, "iterations": 1000,
     "real_time": 12.0, "cpu_time": 11.5, "time_unit": "ns", "allocs_per_iter": 0.0},
    {"name": "route/static", "family_index": 0, "per_family_instance_index": 0, "run_name": "route/static",
     "run_type": "iteration", "repetitions": 3, "repetition_index": 2, "threads": 1, "iterations": 1000,
     "real_time": 10.0, "cpu_time": 9.5, "time_unit": "ns", "allocs_per_iter": 0.0},
    {"name": "route/static_mean", "family_index": 0, "per_family_instance_index": 0, "run_name": "route/static",
     "run_type": "aggregate", "repetitions": 3, "threads": 1, "aggregate_name": "mean", "aggregate_unit": "time",
     "iterations": 3, "real_time": 11.0, "cpu_time": 10.5, "time_unit": "ns", "allocs_per_iter": 0.0},
    {"name": "route/static_stddev", "family_index": 0, "per_family_instance_index": 0, "run_name": "route/static",
     "run_type": "aggregate", "repetitions": 3, "threads": 1, "aggregate_name": "stddev", "aggregate_unit": "time",
     "iterations": 3, "real_time": 1.0, "cpu_time": 1.0, "time_unit": "ns", "allocs_per_iter": 0.0},
    {"name": "json/render", "family_index": 1, "per_family_instance_index": 0, "run_name": "json/render",
     "run_type": "iteration", "repetitions": 1, "repetition_index": 0, "threads": 1, "iterations": 50,
     "real_time": 2.5, "cpu_time": 2.0, "time_unit": "us", "allocs_per_iter": 3.0, "bytes_per_second": 1.0e9}
  ]})";
}

// --benchmark_report_aggregates_only: no iteration runs at all.
inline std::string gbench_aggregates_only() {
  return "{" + gbench_context() + R"(, "benchmarks": [
    {"name": "pool/acquire_mean", "run_name": "pool/acquire", "run_type": "aggregate", "repetitions": 5,
     "aggregate_name": "mean", "iterations": 5, "real_time": 20.0, "cpu_time": 19.0, "time_unit": "ns",
     "allocs_per_iter": 0.0},
    {"name": "pool/acquire_median", "run_name": "pool/acquire", "run_type": "aggregate", "repetitions": 5,
     "aggregate_name": "median", "iterations": 5, "real_time": 19.5, "cpu_time": 18.5, "time_unit": "ns",
     "allocs_per_iter": 0.0}
  ]})";
}

inline std::string gbench_with_error() {
  return "{" + gbench_context() + R"(, "benchmarks": [
    {"name": "route/github_api", "run_name": "route/github_api", "run_type": "iteration", "repetitions": 1,
     "threads": 1, "iterations": 0, "real_time": 0, "cpu_time": 0, "time_unit": "ns",
     "error_occurred": true, "error_message": "route not found: /repos/x/y"}
  ]})";
}

}  // namespace vigil::reports::test
