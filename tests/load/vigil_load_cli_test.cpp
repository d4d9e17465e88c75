// The built vigil-load end to end: bad input refused in one line before any
// load, loopback only, and short runs against vigil-server (a few seconds
// each), two of them at once merged with vigil-report. Nothing here depends
// on how fast the machine is: counts, exit codes, report contents.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cmath>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"
#include "vigil/reports/profile_io.hpp"
#include "vigil/reports/report.hpp"

namespace {

namespace fs = std::filesystem;
using vigil::reports::Report;
using vigil::test::ToolRun;

// A URL where nothing listens (port 9 is "discard", closed here).
constexpr const char* kNowhere = "http://127.0.0.1:9/";

class VigilLoad : public ::testing::Test {
 protected:
  ToolRun run(std::vector<std::string> args, const fs::path& json = {}) {
    // Before a "--" that starts a server command.
    if (!json.empty()) args.insert(args.begin(), {"--json", json.string()});
    return vigil::test::run_tool(VIGIL_LOAD_BIN, args, dir_, std::chrono::seconds(60));
  }
  void expect_bad_input(const std::vector<std::string>& args, const std::string& fragment = {}) {
    const fs::path json = dir_ / "bad.json";
    const ToolRun r = run(args, json);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(r.exit_code, 2) << shown << "\n" << r.out << r.err;
    EXPECT_EQ(r.stderr_lines(), 1) << shown << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("vigil-load: ", 0), 0u) << r.err;
    if (!fragment.empty()) {
      EXPECT_NE(r.err.find(fragment), std::string::npos) << shown << "\n" << r.err;
    }
    EXPECT_FALSE(fs::exists(json)) << shown;
    EXPECT_EQ(r.out, "") << shown;
  }
  static double series_sum(const Report& r, const std::string& name) {
    double sum = 0;
    for (const auto& [x, y] : r.series.at(name).points) sum += y;
    return sum;
  }

  vigil::test::ScratchDir dir_{"vigil-load-test"};
};

TEST_F(VigilLoad, HelpAndDefectList) {
  const ToolRun help = run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option :
       {"--spawn-server", "--rate", "--slo", "--max-degradation", "--paths", "--pipeline", "--profile"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
  const ToolRun list = run({"--list-defects"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("event-pool-leak"), std::string::npos);
}

TEST_F(VigilLoad, EveryNumericOptionHasARange) {
  // Negative, zero (where zero means nothing), huge and non-numeric values:
  // exit 2, one line, no report, no run.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"--connections", {"-5", "0", "1000000", "99999999999999999999", "ten", "1.5"}},
      {"--threads", {"-1", "0", "100000", "x"}},
      {"--pipeline", {"-1", "0", "1000000", "x"}},
      {"--duration", {"-5s", "0", "1000h", "soon", "nan", "30 s"}},
      {"--requests", {"-1", "0", "1e30", "99999999999999999999", "many"}},
      {"--rate", {"-100", "0", "1e12", "fast", "inf", "nan"}},
      {"--param-values", {"-1", "0", "1e30", "x"}},
      {"--timeout", {"-1s", "0", "100h", "x"}},
      {"--expect-status", {"-200", "0", "99999", "ok"}},
      {"--windows", {"-3", "0", "1", "1000000", "x"}},
      {"--window-seconds", {"-1", "0", "1000h", "x"}},
      {"--warmup", {"-1s", "1000h", "x"}},
      {"--max-degradation", {"-5%", "200%", "x"}},
      {"--max-p99-rise", {"-5%", "1e9%", "x"}},
      {"--max-error-rate", {"-1%", "101%", "x"}},
      {"--max-rss-per-mreq", {"-1", "1e30", "x", "inf"}},
      {"--pid", {"-1", "0", "99999999999", "x"}},
      {"--startup-timeout", {"-1s", "0", "100h", "x"}},
      {"--start-at", {"-1", "0", "1", "1e20", "x", "nan"}},
  };
  for (const auto& [option, values] : cases) {
    for (const auto& value : values) expect_bad_input({kNowhere, option, value, "-d", "1s"}, "");
  }
}

TEST_F(VigilLoad, RefusesAnythingButLoopback) {
  expect_bad_input({"http://10.1.2.3:8080/"}, "not a loopback address");
  expect_bad_input({"http://[2001:db8::1]/"}, "not a loopback address");
  expect_bad_input({"https://127.0.0.1/"}, "http://");
}

TEST_F(VigilLoad, BadCombinationsAndFiles) {
  expect_bad_input({}, "one of");
  expect_bad_input({kNowhere, "--spawn-server"}, "one of");
  expect_bad_input({kNowhere, "--defect", "event-pool-leak"}, "--defect needs --spawn-server");
  expect_bad_input({"--spawn-server", "--defect", "no-such-defect"}, "unknown defect");
  expect_bad_input({"--spawn"}, "--spawn needs");
  expect_bad_input({kNowhere, "--requests", "10", "--windows", "5"}, "--windows");
  expect_bad_input({kNowhere, "--slo", "p99"}, "--slo");
  expect_bad_input({kNowhere, "-H", "no colon"}, "header");
  expect_bad_input({kNowhere, "--method", "get"}, "method");
  expect_bad_input({kNowhere, "--paths", (dir_ / "missing.txt").string()}, "cannot open");
  const auto bad = dir_.write("paths.txt", "GET /ok\nGET no-slash\n");
  expect_bad_input({kNowhere, "--paths", bad.string()}, "paths.txt:2");
  expect_bad_input({kNowhere, "--pid", "4194303"}, "no such process");
  expect_bad_input({"--spawn-server", "--server-bin", (dir_ / "none").string()}, "--server-bin");
  expect_bad_input({"--spawn", "--startup-timeout", "2s", "--", "/bin/false"}, "exited with code 1 before listening");
  expect_bad_input({kNowhere, "--profile"}, "--profile needs --spawn-server");
  expect_bad_input({"--profile", "--spawn", "--", "/bin/true"}, "--profile needs --spawn-server");
  expect_bad_input({"--spawn-server", "--profile", "-n", "1000"}, "--profile needs a run of --duration");
  expect_bad_input({"--spawn-server", "--profile", "-d", "1s", "--windows", "2"},
                   "two windows or more after the warm-up");
}

TEST_F(VigilLoad, UnreachableServerIsCountedNotFatal) {
  const fs::path json = dir_ / "r.json";
  const ToolRun r = run({kNowhere, "-d", "1s", "--windows", "4", "-c", "2"}, json);
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const Report report = vigil::reports::read_report(json);
  EXPECT_GT(report.metrics.at("load.errors.connect").value, 0);
  EXPECT_EQ(report.metrics.at("load.requests").value, 0);
  bool errors_finding = false;
  for (const auto& f : report.findings) errors_finding = errors_finding || f.kind == "errors";
  EXPECT_TRUE(errors_finding);
  EXPECT_EQ(report.verdict, vigil::reports::Verdict::Fail);
}

TEST_F(VigilLoad, SpawnedServerShortRun) {
  const fs::path json = dir_ / "r.json";
  const ToolRun r = run({"--spawn-server", "-d", "3s", "--windows", "8", "-c", "4"}, json);
  ASSERT_FALSE(r.timed_out);
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.out << r.err;
  EXPECT_NE(r.out.find("vigil-server (no defects) pid"), std::string::npos) << r.out;
  const Report report = vigil::reports::read_report(json);
  EXPECT_EQ(report.tool, "load");
  EXPECT_GT(report.metrics.at("load.requests").value, 0);
  EXPECT_EQ(report.metrics.at("load.errors").value, 0) << r.out;
  EXPECT_GT(report.metrics.at("load.server_rss_bytes").value, 0);
  EXPECT_EQ(report.metrics.count("load.rss_bytes_per_mreq"), 1u);
  EXPECT_EQ(report.series.at("load.responses").points.size(), 8u);
  EXPECT_EQ(report.histograms.at("load.latency").points.size(), 8u);
  // The reference service's routes were all requested and answered 200.
  EXPECT_EQ(report.config.at("requests_sent").size(), 3u);
  for (const auto& f : report.findings) {
    EXPECT_NE(f.kind, "errors") << f.message;
    EXPECT_NE(f.kind, "server-exited") << f.message;
  }
  // Every answer is in a window's histogram.
  std::uint64_t in_histograms = 0;
  for (const auto& [x, h] : report.histograms.at("load.latency").points) in_histograms += h.count();
  EXPECT_EQ(static_cast<double>(in_histograms), series_sum(report, "load.responses"));
}

TEST_F(VigilLoad, ProfiledRunCarriesBothWindowsProfiles) {
  const fs::path json = dir_ / "r.json";
  const ToolRun r = run({"--spawn-server", "--profile", "-d", "3s", "--windows", "6", "-c", "4"}, json);
  ASSERT_FALSE(r.timed_out);
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.out << r.err;
  const Report report = vigil::reports::read_report(json);
  for (const auto& f : report.findings) EXPECT_NE(f.kind, "profile-missing") << f.message;
  ASSERT_EQ(report.profiles.size(), 2u) << r.out;
  for (const char* name : {"first_window", "last_window"}) {
    const auto& p = report.profiles.at(name);
    std::uint64_t samples = 0;
    for (const auto& s : p.stacks) samples += s.samples;
    // Half a second of a busy server at 99 Hz: about 50 samples, its request loop among them.
    EXPECT_GT(samples, 5u) << name;
    EXPECT_NE(vigil::reports::to_folded(p).find("vigil::framework::http::Server::Loop::run"), std::string::npos)
        << name;
  }
  // The first window after the warm-up (one window of 0.5 s), and the last.
  EXPECT_DOUBLE_EQ(report.config.at("profiled_windows").at("first_window").at("from_s").get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(report.config.at("profiled_windows").at("last_window").at("from_s").get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(report.config.at("profiled_windows").at("last_window").at("seconds").get<double>(), 0.5);
  // vigil-report diffs the two like any two profiles.
  const ToolRun first_last =
      vigil::test::run_tool(VIGIL_REPORT_BIN, {"diff", json.string(), json.string()}, dir_, std::chrono::seconds(60));
  EXPECT_EQ(first_last.exit_code, 0) << first_last.out << first_last.err;
  EXPECT_NE(first_last.out.find("profile \"last_window\""), std::string::npos) << first_last.out;
}

TEST_F(VigilLoad, RequestCountAndExpectations) {
  const fs::path json = dir_ / "r.json";
  const ToolRun r = run({"--spawn-server", "-n", "2000", "-c", "4", "--pipeline", "4", "--expect-status", "404",
                         "--window-seconds", "200ms"},
                        json);
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // every answer is a 200, not the 404 expected
  const Report report = vigil::reports::read_report(json);
  EXPECT_EQ(series_sum(report, "load.responses"), 2000);
  EXPECT_EQ(series_sum(report, "load.errors.unexpected_status"), 2000);
}

TEST_F(VigilLoad, ConstantRateCarriesBothLatencies) {
  const fs::path json = dir_ / "r.json";
  const ToolRun r = run({"--spawn", "-R", "400", "-d", "2s", "--windows", "8", "-c", "4", "--", VIGIL_SERVER_BIN,
                         "--port", "{port}", "--threads", "1"},
                        json);
  ASSERT_FALSE(r.timed_out);
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.out << r.err;
  const Report report = vigil::reports::read_report(json);
  EXPECT_EQ(report.config.at("mode"), "constant-rate");
  EXPECT_EQ(report.metrics.count("load.uncorrected_latency_p99_ms"), 1u);
  EXPECT_EQ(report.histograms.count("load.uncorrected_latency"), 1u);
  // A schedule never sends more than it planned: 400 req/s for 2 s.
  EXPECT_LE(series_sum(report, "load.responses"), 800 + 4);
  EXPECT_GT(series_sum(report, "load.responses"), 0);
  EXPECT_GT(report.metrics.at("load.server_rss_bytes").value, 0);  // the spawned command was sampled
}

// vigil-server started here, loaded by two vigil-load processes at once.
TEST_F(VigilLoad, TwoGeneratorsMergeIntoOneRun) {
  const std::string port_file = (dir_ / "port.txt").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, port_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> storage{VIGIL_SERVER_BIN, "--port", "0", "--threads", "1"};
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t server = -1;
  ASSERT_EQ(posix_spawn(&server, VIGIL_SERVER_BIN, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  std::string port;
  for (int i = 0; i < 200 && port.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(port_file);
    std::getline(in, port);
  }
  ASSERT_FALSE(port.empty());
  const std::string url = "http://127.0.0.1:" + port + "/json";
  const fs::path a = dir_ / "a.json", b = dir_ / "b.json", all = dir_ / "all.json";
  ToolRun ra, rb;
  vigil::test::ScratchDir dir_b("vigil-load-test-b");
  std::thread second([&] {
    rb = vigil::test::run_tool(VIGIL_LOAD_BIN,
                               {url, "--pid", std::to_string(server), "-d", "3s", "--window-seconds", "250ms", "-c",
                                "2", "--json", b.string()},
                               dir_b, std::chrono::seconds(60));
  });
  ra = run({url, "--pid", std::to_string(server), "-d", "3s", "--window-seconds", "250ms", "-c", "2"}, a);
  second.join();
  ::kill(server, SIGTERM);
  ::waitpid(server, nullptr, 0);
  ASSERT_TRUE(ra.exit_code == 0 || ra.exit_code == 1) << ra.out << ra.err;
  ASSERT_TRUE(rb.exit_code == 0 || rb.exit_code == 1) << rb.out << rb.err;

  const ToolRun merged = vigil::test::run_tool(VIGIL_REPORT_BIN, {"merge", a.string(), b.string(), "--json", all.string()},
                                               dir_, std::chrono::seconds(60));
  ASSERT_TRUE(merged.exit_code == 0 || merged.exit_code == 1) << merged.out << merged.err;
  EXPECT_NE(merged.out.find("2 generator(s)"), std::string::npos) << merged.out;
  const Report ra_report = vigil::reports::read_report(a), rb_report = vigil::reports::read_report(b);
  const Report m = vigil::reports::read_report(all);
  EXPECT_EQ(m.config.at("record").at("generators"), 2);
  // Windows every generator covered: at least most of the run, exactly the
  // sum of the two runs' counts in each.
  const auto& mw = m.series.at("load.responses").points;
  ASSERT_GE(mw.size(), 8u);
  const double start_a = ra_report.config.at("record").at("start_unix_ms").get<double>();
  const double start_b = rb_report.config.at("record").at("start_unix_ms").get<double>();
  const double start_m = m.config.at("record").at("start_unix_ms").get<double>();
  const auto ia = static_cast<std::size_t>(std::llround((start_m - start_a) / 250));
  const auto ib = static_cast<std::size_t>(std::llround((start_m - start_b) / 250));
  const auto& ha = ra_report.histograms.at("load.latency").points;
  const auto& hb = rb_report.histograms.at("load.latency").points;
  const auto& hm = m.histograms.at("load.latency").points;
  for (std::size_t w = 0; w < mw.size(); ++w) {
    EXPECT_EQ(mw[w].second, ra_report.series.at("load.responses").points[ia + w].second +
                                rb_report.series.at("load.responses").points[ib + w].second)
        << w;
    auto expected = ha[ia + w].second;
    expected.merge(hb[ib + w].second);
    EXPECT_TRUE(hm[w].second == expected) << w;
  }
  // Both sampled the same server: its RSS is not doubled.
  EXPECT_LT(m.metrics.at("load.server_rss_bytes").value,
            1.5 * std::max(ra_report.metrics.at("load.server_rss_bytes").value,
                           rb_report.metrics.at("load.server_rss_bytes").value));

  const ToolRun one = vigil::test::run_tool(VIGIL_REPORT_BIN, {"merge", a.string()}, dir_);
  EXPECT_EQ(one.exit_code, 2);
  const auto not_load = dir_.write("x.json", vigil::reports::to_json(vigil::reports::make_report("pool")).dump());
  const ToolRun wrong = vigil::test::run_tool(VIGIL_REPORT_BIN, {"merge", a.string(), not_load.string()}, dir_);
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_EQ(wrong.stderr_lines(), 1) << wrong.err;
}

}  // namespace
