#pragma once
// The one report format of every Vigil tool: the `vigil.report/1` envelope.
// Tools build a Report, fill metrics/series/findings, and write it with
// write_report() (atomic: temporary file in the same folder, fsync, rename).

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/reports/breakdown.hpp"
#include "vigil/reports/frame.hpp"
#include "vigil/reports/histogram.hpp"
#include "vigil/reports/profile.hpp"

namespace vigil::reports {

inline constexpr const char* kSchema = "vigil.report/1";

// Exit codes shared by every tool.
enum ExitCode : int { kExitClean = 0, kExitProblem = 1, kExitBadInput = 2 };

// Raised for bad input (unreadable, not JSON, invalid report); what() is a
// one-line reason fit for stderr.
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Better { Lower, Higher, None };
enum class Severity { Info, Warning, Error };
enum class Verdict { Pass, Fail };

struct Metric {
  double value = 0;
  std::string unit;
  Better better = Better::None;
  std::vector<double> samples;  // optional repeated measurements
};

struct Series {
  std::string x;  // name of the x axis, e.g. "cycle"
  std::string y;  // unit of the y axis, e.g. "bytes"
  std::vector<std::pair<double, double>> points;
};

// A series of distributions: a histogram at each x (e.g. each window's
// latencies), kept whole so that reports of several generators merge exactly.
struct HistogramSeries {
  std::string x;     // name of the x axis, e.g. "s"
  std::string unit;  // unit of the recorded values, e.g. "ns"
  std::vector<std::pair<double, Histogram>> points;
};

struct Finding {
  std::string kind;  // "leak", "thread-leak", "wrong-answer", "regression", ...
  Severity severity = Severity::Error;
  std::string message;
  std::optional<double> bytes;
  std::optional<double> count;
  std::vector<Frame> stack;
  nlohmann::json extra = nlohmann::json::object();  // tool-specific details
};

struct Environment {
  std::string host, cpu, compiler, build_type, git_commit;
  int cores = 0;
};

struct Report {
  std::string schema = kSchema;
  std::string tool;
  std::string tool_version;
  std::string created_at;  // RFC 3339 UTC
  Environment environment;
  nlohmann::json config = nlohmann::json::object();
  std::map<std::string, Metric> metrics;
  std::map<std::string, Series> series;
  // Optional (written only when not empty): distributions behind series.
  std::map<std::string, HistogramSeries> histograms;
  std::vector<Finding> findings;
  Verdict verdict = Verdict::Pass;
  // Optional: metric name -> where its value went (e.g. instructions by
  // function); written as "breakdowns" only when not empty.
  std::map<std::string, Breakdown> breakdowns;
  // Optional: sampled CPU profiles by name ("profile"; vigil-load's
  // "first_window" and "last_window"); written as "profiles" only when not
  // empty.
  std::map<std::string, Profile> profiles;

  // Convenience setters used by tools.
  void set_metric(const std::string& name, double value, std::string unit, Better better,
                  std::vector<double> samples = {});
  void add_finding(Finding f);
  bool has_error_findings() const;
};

// A report for `tool` with version, timestamp and this machine's environment.
Report make_report(std::string tool);
Environment current_environment();
std::string utc_now_rfc3339();

std::string to_string(Better b);
std::string to_string(Severity s);
std::string to_string(Verdict v);

nlohmann::json to_json(const Report& r);
// Validates, then converts; throws ReportError naming the first problem.
Report from_json(const nlohmann::json& j);
// Empty when `j` is a valid report, else a one-line reason.
std::optional<std::string> validate(const nlohmann::json& j);

// Reads and validates a report file; throws ReportError (missing, empty, not
// JSON, wrong schema, wrong types).
Report read_report(const std::filesystem::path& path);
// Reads and parses any JSON file; throws ReportError (missing, empty, not JSON).
nlohmann::json read_json_file(const std::filesystem::path& path);
// The two halves of read_json_file: a whole file that is not empty, and JSON
// from text (bare NaN and inf read as null); `path` names the file in errors.
std::string read_text_file(const std::filesystem::path& path);
nlohmann::json parse_json_text(const std::string& text, const std::filesystem::path& path);
// Writes atomically; throws ReportError on I/O failure, leaving any previous
// file at `path` untouched.
void write_report(const Report& r, const std::filesystem::path& path);
// Atomic write of any text (used by renderers and --folded outputs too).
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace vigil::reports
