#include "vigil/reports/report.hpp"

#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "frame_json.hpp"
#include "json_type_name.hpp"
#include "profile_json.hpp"

namespace vigil::reports {

using nlohmann::json;

void Report::set_metric(const std::string& name, double value, std::string unit, Better better,
                        std::vector<double> samples) {
  metrics[name] = Metric{value, std::move(unit), better, std::move(samples)};
}

void Report::add_finding(Finding f) { findings.push_back(std::move(f)); }

bool Report::has_error_findings() const {
  for (const auto& f : findings) {
    if (f.severity == Severity::Error) return true;
  }
  return false;
}

std::string to_string(Better b) {
  switch (b) {
    case Better::Lower: return "lower";
    case Better::Higher: return "higher";
    case Better::None: return "none";
  }
  return "none";
}

std::string to_string(Severity s) {
  switch (s) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}

std::string to_string(Verdict v) { return v == Verdict::Pass ? "pass" : "fail"; }

namespace {

// JSON has no NaN or infinity: non-finite numbers are written as null and
// read back as NaN, so a report never becomes invalid JSON.
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

double read_number(const json& j) {
  return j.is_null() ? std::nan("") : j.get<double>();
}

json finding_to_json(const Finding& f) {
  json j = json::object();
  j["kind"] = f.kind;
  j["severity"] = to_string(f.severity);
  j["message"] = f.message;
  if (f.bytes) j["bytes"] = number(*f.bytes);
  if (f.count) j["count"] = number(*f.count);
  if (!f.stack.empty()) {
    j["stack"] = json::array();
    for (const auto& fr : f.stack) j["stack"].push_back(frame_to_json(fr));
  }
  if (f.extra.is_object() && !f.extra.empty()) j["extra"] = f.extra;
  return j;
}

// --- validation: every check names the JSON path of the first problem ---

void expect(bool ok, const std::string& path, const std::string& what, const json& got) {
  if (!ok) throw ReportError(fmt::format("{}: expected {}, got {}", path, what, json_type_name(got)));
}

const json& require(const json& obj, const std::string& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) throw ReportError(fmt::format("{}: missing required key \"{}\"", path, key));
  return *it;
}

bool is_number_or_null(const json& j) { return j.is_number() || j.is_null(); }

void check_string(const json& obj, const std::string& path, const char* key, bool required) {
  if (!obj.contains(key)) {
    if (required) throw ReportError(fmt::format("{}: missing required key \"{}\"", path, key));
    return;
  }
  expect(obj[key].is_string(), path + "." + key, "a string", obj[key]);
}

void check_number(const json& obj, const std::string& path, const char* key) {
  if (obj.contains(key)) {
    expect(is_number_or_null(obj[key]), path + "." + key, "a number", obj[key]);
  }
}

void check_enum(const json& j, const std::string& path, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (j.is_string() && j.get<std::string>() == a) return;
    list += list.empty() ? a : std::string("/") + a;
  }
  throw ReportError(fmt::format("{}: expected one of {}, got {}", path, list,
                                j.is_string() ? "\"" + j.get<std::string>() + "\"" : json_type_name(j)));
}

void check_environment(const json& env) {
  expect(env.is_object(), "environment", "an object", env);
  for (const char* key : {"host", "cpu", "compiler", "build_type", "git_commit", "version"}) {
    check_string(env, "environment", key, false);
  }
  if (env.contains("cores")) {
    expect(env["cores"].is_number_integer(), "environment.cores", "an integer", env["cores"]);
  }
}

void check_metric(const std::string& path, const json& m) {
  expect(m.is_object(), path, "an object", m);
  expect(is_number_or_null(require(m, path, "value")), path + ".value", "a number", m["value"]);
  check_string(m, path, "unit", true);
  check_enum(require(m, path, "better"), path + ".better", {"lower", "higher", "none"});
  if (m.contains("samples")) {
    const auto& s = m["samples"];
    expect(s.is_array(), path + ".samples", "an array of numbers", s);
    for (std::size_t i = 0; i < s.size(); ++i) {
      expect(is_number_or_null(s[i]), fmt::format("{}.samples[{}]", path, i), "a number", s[i]);
    }
  }
}

void check_series(const std::string& path, const json& s) {
  expect(s.is_object(), path, "an object", s);
  check_string(s, path, "x", true);
  check_string(s, path, "y", true);
  const auto& pts = require(s, path, "points");
  expect(pts.is_array(), path + ".points", "an array of [x, y] pairs", pts);
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const auto& p = pts[i];
    const bool ok = p.is_array() && p.size() == 2 && is_number_or_null(p[0]) && is_number_or_null(p[1]);
    expect(ok, fmt::format("{}.points[{}]", path, i), "an [x, y] pair of numbers", p);
  }
}

void check_histogram_series(const std::string& path, const json& s) {
  expect(s.is_object(), path, "an object", s);
  check_string(s, path, "x", true);
  check_string(s, path, "unit", true);
  const auto& pts = require(s, path, "points");
  expect(pts.is_array(), path + ".points", "an array of [x, histogram] pairs", pts);
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const auto& p = pts[i];
    const std::string pp = fmt::format("{}.points[{}]", path, i);
    expect(p.is_array() && p.size() == 2 && p[0].is_number(), pp, "an [x, histogram] pair", p);
    if (auto problem = Histogram::validate(p[1], pp + "[1]")) throw ReportError(*problem);
  }
}

void check_finding(const std::string& path, const json& f) {
  expect(f.is_object(), path, "an object", f);
  check_string(f, path, "kind", true);
  check_enum(require(f, path, "severity"), path + ".severity", {"info", "warning", "error"});
  check_string(f, path, "message", true);
  check_number(f, path, "bytes");
  check_number(f, path, "count");
  if (f.contains("stack")) {
    const auto& st = f["stack"];
    expect(st.is_array(), path + ".stack", "an array of frames", st);
    for (std::size_t i = 0; i < st.size(); ++i) {
      if (auto problem = check_frame(st[i], fmt::format("{}.stack[{}]", path, i))) throw ReportError(*problem);
    }
  }
  if (f.contains("extra")) expect(f["extra"].is_object(), path + ".extra", "an object", f["extra"]);
}

void check_breakdowns(const json& b) {
  expect(b.is_object(), "breakdowns", "an object", b);
  for (const auto& [name, bd] : b.items()) {
    const std::string path = "breakdowns." + name;
    expect(bd.is_object(), path, "an object", bd);
    check_string(bd, path, "by", true);
    const auto& entries = require(bd, path, "entries");
    expect(entries.is_array(), path + ".entries", "an array", entries);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const std::string ep = fmt::format("{}.entries[{}]", path, i);
      expect(entries[i].is_object(), ep, "an object", entries[i]);
      check_string(entries[i], ep, "name", true);
      check_string(entries[i], ep, "module", false);
      check_string(entries[i], ep, "file", false);
      expect(is_number_or_null(require(entries[i], ep, "value")), ep + ".value", "a number", entries[i]["value"]);
    }
  }
}

void check_report(const json& j) {
  expect(j.is_object(), "report", "a JSON object", j);
  const auto& schema = require(j, "report", "schema");
  if (!schema.is_string() || schema.get<std::string>() != kSchema) {
    throw ReportError(fmt::format("schema: expected \"{}\", got {}", kSchema,
                                  schema.is_string() ? "\"" + schema.get<std::string>() + "\""
                                                     : json_type_name(schema)));
  }
  for (const char* key : {"tool", "tool_version", "created_at"}) check_string(j, "report", key, true);
  check_environment(require(j, "report", "environment"));
  expect(require(j, "report", "config").is_object(), "config", "an object", j["config"]);
  const auto& metrics = require(j, "report", "metrics");
  expect(metrics.is_object(), "metrics", "an object", metrics);
  for (const auto& [name, m] : metrics.items()) check_metric("metrics." + name, m);
  const auto& series = require(j, "report", "series");
  expect(series.is_object(), "series", "an object", series);
  for (const auto& [name, s] : series.items()) check_series("series." + name, s);
  if (j.contains("histograms")) {
    const auto& histograms = j["histograms"];
    expect(histograms.is_object(), "histograms", "an object", histograms);
    for (const auto& [name, s] : histograms.items()) check_histogram_series("histograms." + name, s);
  }
  const auto& findings = require(j, "report", "findings");
  expect(findings.is_array(), "findings", "an array", findings);
  for (std::size_t i = 0; i < findings.size(); ++i) {
    check_finding(fmt::format("findings[{}]", i), findings[i]);
  }
  check_enum(require(j, "report", "verdict"), "verdict", {"pass", "fail"});
  if (j.contains("breakdowns")) check_breakdowns(j["breakdowns"]);
  if (j.contains("profiles")) {
    const auto& profiles = j["profiles"];
    expect(profiles.is_object(), "profiles", "an object", profiles);
    for (const auto& [name, p] : profiles.items()) {
      if (auto problem = check_profile(p, "profiles." + name)) throw ReportError(*problem);
    }
  }
}

Better parse_better(const std::string& s) {
  return s == "lower" ? Better::Lower : s == "higher" ? Better::Higher : Better::None;
}

Severity parse_severity(const std::string& s) {
  return s == "info" ? Severity::Info : s == "warning" ? Severity::Warning : Severity::Error;
}

std::string string_or_empty(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

json to_json(const Report& r) {
  json j = json::object();
  j["schema"] = r.schema;
  j["tool"] = r.tool;
  j["tool_version"] = r.tool_version;
  j["created_at"] = r.created_at;
  const auto& e = r.environment;
  j["environment"] = {{"host", e.host},       {"cpu", e.cpu},
                      {"cores", e.cores},     {"compiler", e.compiler},
                      {"build_type", e.build_type}, {"git_commit", e.git_commit}};
  j["config"] = r.config.is_object() ? r.config : json::object();
  j["metrics"] = json::object();
  for (const auto& [name, m] : r.metrics) {
    json jm = {{"value", number(m.value)}, {"unit", m.unit}, {"better", to_string(m.better)}};
    if (!m.samples.empty()) {
      jm["samples"] = json::array();
      for (double s : m.samples) jm["samples"].push_back(number(s));
    }
    j["metrics"][name] = std::move(jm);
  }
  j["series"] = json::object();
  for (const auto& [name, s] : r.series) {
    json pts = json::array();
    for (const auto& [x, y] : s.points) pts.push_back(json::array({number(x), number(y)}));
    j["series"][name] = {{"x", s.x}, {"y", s.y}, {"points", std::move(pts)}};
  }
  if (!r.histograms.empty()) {
    j["histograms"] = json::object();
    for (const auto& [name, s] : r.histograms) {
      json pts = json::array();
      for (const auto& [x, h] : s.points) pts.push_back(json::array({number(x), h.to_json(s.unit)}));
      j["histograms"][name] = {{"x", s.x}, {"unit", s.unit}, {"points", std::move(pts)}};
    }
  }
  j["findings"] = json::array();
  for (const auto& f : r.findings) j["findings"].push_back(finding_to_json(f));
  j["verdict"] = to_string(r.verdict);
  if (!r.breakdowns.empty()) {
    json& b = j["breakdowns"] = json::object();
    for (const auto& [name, bd] : r.breakdowns) {
      json entries = json::array();
      for (const auto& e : bd.entries) {
        json je = {{"name", e.name}};
        if (!e.module.empty()) je["module"] = e.module;
        if (!e.file.empty()) je["file"] = e.file;
        je["value"] = number(e.value);
        entries.push_back(std::move(je));
      }
      b[name] = {{"by", bd.by}, {"entries", std::move(entries)}};
    }
  }
  if (!r.profiles.empty()) {
    json& profiles = j["profiles"] = json::object();
    for (const auto& [name, p] : r.profiles) profiles[name] = profile_to_json(p);
  }
  return j;
}

std::optional<std::string> validate(const json& j) {
  try {
    check_report(j);
  } catch (const ReportError& e) {
    return std::string(e.what());
  } catch (const json::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

Report from_json(const json& j) {
  if (auto problem = validate(j)) throw ReportError(*problem);
  Report r;
  r.schema = j["schema"].get<std::string>();
  r.tool = j["tool"].get<std::string>();
  r.tool_version = j["tool_version"].get<std::string>();
  r.created_at = j["created_at"].get<std::string>();
  const auto& env = j["environment"];
  r.environment.host = string_or_empty(env, "host");
  r.environment.cpu = string_or_empty(env, "cpu");
  r.environment.compiler = string_or_empty(env, "compiler");
  r.environment.build_type = string_or_empty(env, "build_type");
  r.environment.git_commit = string_or_empty(env, "git_commit");
  r.environment.cores = env.value("cores", 0);
  r.config = j["config"];
  for (const auto& [name, jm] : j["metrics"].items()) {
    Metric m;
    m.value = read_number(jm["value"]);
    m.unit = jm["unit"].get<std::string>();
    m.better = parse_better(jm["better"].get<std::string>());
    if (jm.contains("samples")) {
      for (const auto& s : jm["samples"]) m.samples.push_back(read_number(s));
    }
    r.metrics.emplace(name, std::move(m));
  }
  for (const auto& [name, js] : j["series"].items()) {
    Series s;
    s.x = js["x"].get<std::string>();
    s.y = js["y"].get<std::string>();
    for (const auto& p : js["points"]) s.points.emplace_back(read_number(p[0]), read_number(p[1]));
    r.series.emplace(name, std::move(s));
  }
  if (j.contains("histograms")) {
    for (const auto& [name, js] : j["histograms"].items()) {
      HistogramSeries s;
      s.x = js["x"].get<std::string>();
      s.unit = js["unit"].get<std::string>();
      for (const auto& p : js["points"]) s.points.emplace_back(p[0].get<double>(), Histogram::from_json(p[1]));
      r.histograms.emplace(name, std::move(s));
    }
  }
  for (const auto& jf : j["findings"]) {
    Finding f;
    f.kind = jf["kind"].get<std::string>();
    f.severity = parse_severity(jf["severity"].get<std::string>());
    f.message = jf["message"].get<std::string>();
    if (jf.contains("bytes")) f.bytes = read_number(jf["bytes"]);
    if (jf.contains("count")) f.count = read_number(jf["count"]);
    if (jf.contains("stack")) {
      for (const auto& jfr : jf["stack"]) f.stack.push_back(frame_from_json(jfr));
    }
    if (jf.contains("extra")) f.extra = jf["extra"];
    r.findings.push_back(std::move(f));
  }
  r.verdict = j["verdict"].get<std::string>() == "pass" ? Verdict::Pass : Verdict::Fail;
  if (j.contains("breakdowns")) {
    for (const auto& [name, jb] : j["breakdowns"].items()) {
      Breakdown bd;
      bd.by = jb["by"].get<std::string>();
      for (const auto& je : jb["entries"]) {
        bd.entries.push_back({je["name"].get<std::string>(), string_or_empty(je, "module"),
                              string_or_empty(je, "file"), read_number(je["value"])});
      }
      r.breakdowns.emplace(name, std::move(bd));
    }
  }
  if (j.contains("profiles")) {
    for (const auto& [name, jp] : j["profiles"].items()) r.profiles.emplace(name, profile_from_json(jp));
  }
  return r;
}

namespace {

// Google Benchmark (and other writers) print non-finite numbers as bare NaN,
// inf or Infinity, which is not JSON; outside strings they become null.
std::string replace_non_finite_tokens(const std::string& text) {
  static constexpr std::string_view kTokens[] = {"-Infinity", "Infinity", "-inf", "inf", "-nan", "nan",
                                                 "-NaN", "NaN"};
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      continue;
    }
    bool replaced = false;
    for (auto token : kTokens) {
      if (text.compare(i, token.size(), token) == 0) {
        out += "null";
        i += token.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

}  // namespace

std::string read_text_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw ReportError(fmt::format("{}: no such file", path.string()));
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw ReportError(fmt::format("{}: is a directory, not a report file", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ReportError(fmt::format("{}: cannot open for reading", path.string()));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw ReportError(fmt::format("{}: empty file", path.string()));
  }
  return text;
}

json parse_json_text(const std::string& text, const std::filesystem::path& path) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    const json lenient = json::parse(replace_non_finite_tokens(text), nullptr, false);
    if (lenient.is_discarded()) {
      throw ReportError(fmt::format("{}: not JSON (syntax error at byte {})", path.string(), e.byte));
    }
    return lenient;
  }
}

json read_json_file(const std::filesystem::path& path) { return parse_json_text(read_text_file(path), path); }

Report read_report(const std::filesystem::path& path) {
  const json j = read_json_file(path);
  if (auto problem = validate(j)) {
    throw ReportError(fmt::format("{}: not a valid {} report: {}", path.string(), kSchema, *problem));
  }
  return from_json(j);
}

void write_report(const Report& r, const std::filesystem::path& path) {
  write_file_atomic(path, to_json(r).dump(2) + "\n");
}

}  // namespace vigil::reports
