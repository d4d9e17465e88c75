#include "vigil/reports/import.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "vigil/reports/profile_io.hpp"
#include "vigil/reports/statistics.hpp"

namespace vigil::reports {

using nlohmann::json;

namespace {

// Keys of a benchmark entry that are not user counters.
bool is_builtin_key(std::string_view key) {
  static constexpr std::string_view kBuiltin[] = {
      "name",         "family_index",   "per_family_instance_index", "run_name",
      "run_type",     "repetitions",    "repetition_index",          "threads",
      "iterations",   "real_time",      "cpu_time",                  "time_unit",
      "aggregate_name", "aggregate_unit", "error_occurred",          "error_message",
      "label",        "skipped",        "skip_message",              "big_o",
      "rms"};
  for (auto k : kBuiltin) {
    if (k == key) return true;
  }
  return false;
}

double ns_per_unit(const std::string& unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  throw ReportError(fmt::format("unknown benchmark time_unit \"{}\"", unit));
}

// Direction of a user counter, guessed from its name: rates, hits and reuse
// are better higher; allocations, bytes, misses, errors and times better
// lower; anything else is reported but not judged (better = none).
Better counter_direction(const std::string& name) {
  auto has_any = [&](std::initializer_list<std::string_view> parts) {
    for (auto part : parts) {
      if (name.find(part) != std::string::npos) return true;
    }
    return false;
  };
  if (has_any({"per_second"})) return Better::Higher;
  if (has_any({"miss", "error", "leak", "alloc", "bytes", "_ns", "time", "latency"})) return Better::Lower;
  if (has_any({"hit", "reuse", "throughput", "ratio"})) return Better::Higher;
  return Better::None;
}

std::string counter_unit(const std::string& name) {
  if (name.find("alloc") != std::string::npos) return "allocs";
  if (name.find("bytes") != std::string::npos) return "bytes";
  if (name.find("_ns") != std::string::npos) return "ns";
  if (name.find("per_second") != std::string::npos) return "1/s";
  return "";
}

struct Run {
  std::vector<double> real_ns, cpu_ns;
  std::map<std::string, std::vector<double>> counters;
  bool from_aggregate = false;
};

}  // namespace

bool is_google_benchmark_json(const json& j) {
  return j.is_object() && j.contains("benchmarks") && j["benchmarks"].is_array() &&
         j.contains("context") && j["context"].is_object();
}

Report import_google_benchmark(const json& j) {
  if (!is_google_benchmark_json(j)) {
    throw ReportError("not a Google Benchmark JSON file (no \"context\" and \"benchmarks\")");
  }
  // Iteration runs (repetitions) by run name, in file order; aggregates are
  // used only for benchmarks that have no iteration runs in the file
  // (--benchmark_report_aggregates_only).
  std::vector<std::string> order;
  std::map<std::string, Run> runs;
  std::map<std::string, Run> aggregates;
  for (std::size_t i = 0; i < j["benchmarks"].size(); ++i) {
    const json& b = j["benchmarks"][i];
    if (!b.is_object() || !b.contains("name") || !b["name"].is_string()) {
      throw ReportError(fmt::format("benchmarks[{}]: expected an object with a \"name\"", i));
    }
    const std::string name = b["name"].get<std::string>();
    const bool skipped_with_error = b.value("skipped", json()).is_string() && b["skipped"] == "error";
    if (b.value("error_occurred", false) || skipped_with_error) {
      throw ReportError(fmt::format("benchmark \"{}\" failed: {}", name,
                                    b.value("error_message", std::string("error_occurred"))));
    }
    const std::string run_name = b.value("run_name", name);
    const bool aggregate = b.value("run_type", std::string("iteration")) == "aggregate";
    if (aggregate && b.value("aggregate_name", std::string()) != "mean") continue;
    if (!b.contains("real_time") || !b["real_time"].is_number() || !b.contains("cpu_time") ||
        !b["cpu_time"].is_number()) {
      throw ReportError(fmt::format("benchmark \"{}\": missing numeric real_time/cpu_time", name));
    }
    const double scale = ns_per_unit(b.value("time_unit", std::string("ns")));
    auto& run = aggregate ? aggregates[run_name] : runs[run_name];
    if (std::find(order.begin(), order.end(), run_name) == order.end()) order.push_back(run_name);
    run.from_aggregate = aggregate;
    run.real_ns.push_back(b["real_time"].get<double>() * scale);
    run.cpu_ns.push_back(b["cpu_time"].get<double>() * scale);
    for (const auto& [key, value] : b.items()) {
      // Non-finite counters arrive as null (see read_json_file) and stay NaN.
      if (is_builtin_key(key)) continue;
      if (value.is_number()) run.counters[key].push_back(value.get<double>());
      if (value.is_null()) run.counters[key].push_back(std::nan(""));
    }
  }

  Report r = make_report("bench");
  const json& ctx = j["context"];
  r.config = json::object();
  for (const char* key : {"executable", "date", "library_build_type", "num_cpus", "mhz_per_cpu"}) {
    if (ctx.contains(key)) r.config[key] = ctx[key];
  }
  r.config["source"] = "google-benchmark";
  for (const auto& name : order) {
    const bool has_iterations = runs.count(name) != 0;
    const Run& run = has_iterations ? runs.at(name) : aggregates.at(name);
    const std::string prefix = "bench." + name + ".";
    // Single runs carry no samples: a test on one value means nothing.
    auto samples = [&](const std::vector<double>& v) {
      return has_iterations && v.size() > 1 ? v : std::vector<double>{};
    };
    r.set_metric(prefix + "real_time_ns", median(run.real_ns), "ns", Better::Lower, samples(run.real_ns));
    r.set_metric(prefix + "cpu_time_ns", median(run.cpu_ns), "ns", Better::Lower, samples(run.cpu_ns));
    // Counters such as allocs_per_iter are deterministic: their mean is the
    // value, and samples are not kept so a strict threshold applies.
    for (const auto& [counter, values] : run.counters) {
      r.set_metric(prefix + counter, mean(values), counter_unit(counter), counter_direction(counter));
    }
  }
  r.verdict = Verdict::Pass;
  return r;
}

Report load_any_report(const std::filesystem::path& path) {
  const std::string text = read_text_file(path);
  const auto first = text.find_first_not_of(" \t\r\n");
  if (text[first] != '{' && text[first] != '[') {
    // Not JSON: folded stacks (perf script | stackcollapse, vigil-profile
    // --folded) become a report holding that one profile.
    Report r = make_report("profile");
    try {
      r.profiles["profile"] = from_folded(text);
    } catch (const ReportError& e) {
      throw ReportError(fmt::format("{}: neither JSON nor folded stacks: {}", path.string(), e.what()));
    }
    r.config["input"] = path.string();
    return r;
  }
  const json j = parse_json_text(text, path);
  if (is_google_benchmark_json(j)) {
    try {
      return import_google_benchmark(j);
    } catch (const ReportError& e) {
      throw ReportError(fmt::format("{}: {}", path.string(), e.what()));
    }
  }
  if (auto problem = validate(j)) {
    throw ReportError(fmt::format("{}: not a valid {} report: {}", path.string(), kSchema, *problem));
  }
  return from_json(j);
}

}  // namespace vigil::reports
