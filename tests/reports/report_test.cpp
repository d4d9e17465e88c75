#include "vigil/reports/report.hpp"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"

namespace vigil::reports {
namespace {

using nlohmann::json;

Report sample_report() {
  Report r = make_report("leak-test");
  r.config = {{"cycles", 100}, {"defects", {"event-pool-leak"}}};
  r.set_metric("leak.bytes_per_cycle", 4096, "bytes", Better::Lower);
  r.set_metric("route.lookup_ns", 21.5, "ns", Better::Lower, {21.1, 21.9, 21.4});
  r.series["live_bytes"] = Series{"cycle", "bytes", {{0, 1024}, {1, 2048}}};
  Finding f;
  f.kind = "leak";
  f.severity = Severity::Error;
  f.message = "4096 bytes per cycle";
  f.bytes = 4096;
  f.count = 1;
  f.stack.push_back(Frame{"vigil::framework::Event::own", "event.cpp", 26, "libvigil.so", 0, true});
  f.stack.push_back(Frame{"vigil::framework::Event::reset", "event.cpp", 42, "libvigil.so", 0});
  f.extra = {{"slope", 4096.0}};
  r.add_finding(f);
  r.verdict = Verdict::Fail;
  return r;
}

TEST(Report, RoundTripsThroughJson) {
  const Report r = sample_report();
  const Report back = from_json(json::parse(to_json(r).dump()));
  EXPECT_EQ(back.tool, "leak-test");
  EXPECT_EQ(back.schema, kSchema);
  EXPECT_EQ(back.created_at, r.created_at);
  EXPECT_EQ(back.environment.host, r.environment.host);
  EXPECT_EQ(back.environment.cores, r.environment.cores);
  EXPECT_EQ(back.config["cycles"], 100);
  ASSERT_EQ(back.metrics.size(), 2u);
  EXPECT_EQ(back.metrics.at("route.lookup_ns").samples, (std::vector<double>{21.1, 21.9, 21.4}));
  EXPECT_EQ(back.metrics.at("leak.bytes_per_cycle").better, Better::Lower);
  EXPECT_EQ(back.series.at("live_bytes").points.size(), 2u);
  ASSERT_EQ(back.findings.size(), 1u);
  ASSERT_EQ(back.findings[0].stack.size(), 2u);
  EXPECT_TRUE(back.findings[0].stack[0].inlined);
  EXPECT_EQ(back.findings[0].stack[1].line, 42);
  EXPECT_FALSE(back.findings[0].stack[1].inlined);
  EXPECT_FALSE(to_json(r)["findings"][0]["stack"][1].contains("inlined"));  // written only when true
  EXPECT_EQ(back.findings[0].extra["slope"], 4096.0);
  EXPECT_EQ(*back.findings[0].bytes, 4096);
  EXPECT_EQ(back.verdict, Verdict::Fail);
  EXPECT_TRUE(back.has_error_findings());
}

TEST(Report, MakeReportFillsEnvelope) {
  const Report r = make_report("pool");
  EXPECT_EQ(r.tool_version, "0.1.0");
  ASSERT_EQ(r.created_at.size(), 20u);  // 2026-11-23T06:00:00Z
  EXPECT_EQ(r.created_at[10], 'T');
  EXPECT_EQ(r.created_at.back(), 'Z');
  EXPECT_FALSE(r.environment.host.empty());
  EXPECT_FALSE(r.environment.cpu.empty());
  EXPECT_GT(r.environment.cores, 0);
  EXPECT_FALSE(r.environment.compiler.empty());
  EXPECT_FALSE(validate(to_json(r)).has_value());
}

TEST(Report, NonFiniteNumbersStayValidJson) {
  Report r = make_report("x");
  r.set_metric("a", std::nan(""), "ns", Better::Lower, {1, INFINITY});
  r.series["s"] = Series{"i", "v", {{0, -INFINITY}}};
  const std::string text = to_json(r).dump();
  const json parsed = json::parse(text);  // throws if invalid
  EXPECT_FALSE(validate(parsed).has_value());
  const Report back = from_json(parsed);
  EXPECT_TRUE(std::isnan(back.metrics.at("a").value));
  EXPECT_TRUE(std::isnan(back.metrics.at("a").samples[1]));
}

std::string problem_after(void (*edit)(json&)) {
  json j = to_json(sample_report());
  edit(j);
  return validate(j).value_or("");
}

TEST(Report, ValidateNamesTheFirstProblem) {
  EXPECT_EQ(problem_after([](json& j) { j["schema"] = "vigil.report/2"; }),
            "schema: expected \"vigil.report/1\", got \"vigil.report/2\"");
  EXPECT_EQ(problem_after([](json& j) { j.erase("verdict"); }),
            "report: missing required key \"verdict\"");
  EXPECT_EQ(problem_after([](json& j) { j["verdict"] = "maybe"; }),
            "verdict: expected one of pass/fail, got \"maybe\"");
  EXPECT_EQ(problem_after([](json& j) { j["metrics"]["route.lookup_ns"]["better"] = "up"; }),
            "metrics.route.lookup_ns.better: expected one of lower/higher/none, got \"up\"");
  EXPECT_EQ(problem_after([](json& j) { j["metrics"]["route.lookup_ns"]["value"] = "fast"; }),
            "metrics.route.lookup_ns.value: expected a number, got string");
  EXPECT_EQ(problem_after([](json& j) { j["metrics"]["route.lookup_ns"]["samples"][1] = true; }),
            "metrics.route.lookup_ns.samples[1]: expected a number, got boolean");
  EXPECT_EQ(problem_after([](json& j) { j["findings"][0]["severity"] = "fatal"; }),
            "findings[0].severity: expected one of info/warning/error, got \"fatal\"");
  EXPECT_EQ(problem_after([](json& j) { j["series"]["live_bytes"]["points"][0] = {1}; }),
            "series.live_bytes.points[0]: expected an [x, y] pair of numbers, got array");
  EXPECT_EQ(problem_after([](json& j) { j["environment"]["cores"] = "two"; }),
            "environment.cores: expected an integer, got string");
  EXPECT_EQ(problem_after([](json& j) { j["findings"][0]["stack"][0]["inlined"] = "yes"; }),
            "findings[0].stack[0].inlined: expected true or false, got string");
  EXPECT_EQ(problem_after([](json& j) { j["tool"] = 3; }), "report.tool: expected a string, got number");
  EXPECT_EQ(problem_after([](json& j) { j = json::array(); }), "report: expected a JSON object, got array");
  EXPECT_THROW(from_json(json::object()), ReportError);
}

TEST(ReportFile, WriteThenReadBack) {
  vigil::test::ScratchDir dir;
  const auto path = dir.path() / "r.json";
  write_report(sample_report(), path);
  const Report back = read_report(path);
  EXPECT_EQ(back.metrics.size(), 2u);
  // No temporary file remains beside it.
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

std::string read_error(const std::filesystem::path& p) {
  try {
    read_report(p);
  } catch (const ReportError& e) {
    return e.what();
  }
  return "";
}

TEST(ReportFile, BadFilesGiveOneLineReasons) {
  vigil::test::ScratchDir dir;
  const auto missing = dir.path() / "missing.json";
  EXPECT_EQ(read_error(missing), missing.string() + ": no such file");
  const auto empty = dir.write("empty.json", "  \n");
  EXPECT_EQ(read_error(empty), empty.string() + ": empty file");
  const auto garbage = dir.write("garbage.json", "{\"schema\": ");
  EXPECT_NE(read_error(garbage).find("not JSON"), std::string::npos);
  const auto other = dir.write("other.json", R"({"schema": "other/1"})");
  EXPECT_NE(read_error(other).find("schema: expected"), std::string::npos);
  for (const auto& p : {missing, empty, garbage, other}) {
    EXPECT_EQ(read_error(p).find('\n'), std::string::npos);
  }
}

TEST(ReportFile, FailedWriteLeavesOldFileAndNoTemporary) {
  vigil::test::ScratchDir dir;
  const auto path = dir.write("r.json", "old");
  // A directory in the way of the rename makes the write fail late.
  const auto blocked = dir.path() / "blocked";
  std::filesystem::create_directories(blocked / "inside");
  EXPECT_THROW(write_file_atomic(blocked, "new"), ReportError);
  EXPECT_THROW(write_file_atomic(dir.path() / "no" / "such" / "dir.json", "x"), ReportError);
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "old");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 2);  // r.json and blocked/
}

TEST(Report, BreakdownsAreOptionalAndChecked) {
  Report r = sample_report();
  EXPECT_FALSE(to_json(r).contains("breakdowns"));  // absent unless written
  r.breakdowns["count.BM_X.instructions"] = Breakdown{"function", {{"f()", "app", "app.cpp", 12.5}, {"g()", "", "", 1}}};
  const json j = to_json(r);
  EXPECT_FALSE(validate(j).has_value());
  const Report back = from_json(j);
  const auto& entries = back.breakdowns.at("count.BM_X.instructions").entries;
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].file, "app.cpp");
  EXPECT_DOUBLE_EQ(entries[0].value, 12.5);
  EXPECT_EQ(entries[1].module, "");
  json bad = j;
  bad["breakdowns"]["count.BM_X.instructions"]["entries"][0].erase("value");
  EXPECT_NE(validate(bad)->find("breakdowns.count.BM_X.instructions.entries[0]"), std::string::npos);
  bad = j;
  bad["breakdowns"] = json::array();
  EXPECT_TRUE(validate(bad).has_value());
}

}  // namespace
}  // namespace vigil::reports
