// Every numeric option of every tool refuses values out of its range before
// anything runs: negative, zero where zero means nothing, huge, past 2^64 and
// non-numeric values give exit 2, one line on stderr naming the option, and
// no report file. (CLI11 2.1 alone reads "-5" into an unsigned option as
// 2^64 - 5: `vigil-leak-test --cycles -5` ran "for ever".)

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/tool_run.hpp"

namespace {

namespace fs = std::filesystem;

struct NumericOption {
  const char* tool;
  std::vector<std::string> before;  // subcommand and arguments that come first
  const char* option;
  bool zero_allowed;
  std::vector<std::string> after;  // arguments that come after (files, a URL, a command)
  bool json = true;                // the tool takes --json FILE
};

std::vector<NumericOption> numeric_options() {
  const std::vector<std::string> none;
  const std::vector<std::string> url{"http://127.0.0.1:1/"};
  const std::vector<std::string> bench{"--", "/bin/true"};
  const std::vector<std::string> reports{"base.json", "current.json"};
  return {
      {VIGIL_LEAK_TEST_BIN, none, "--cycles", false, none},
      {VIGIL_LEAK_TEST_BIN, none, "--requests-per-cycle", false, none},
      {VIGIL_LEAK_TEST_BIN, none, "--warmup", true, none},
      {VIGIL_LEAK_TEST_BIN, none, "--interval", true, none},
      {VIGIL_LEAK_TEST_BIN, none, "--depth", false, none},
      {VIGIL_LEAK_TEST_BIN, none, "--sample-bytes", true, none},
      {VIGIL_LEAK_TEST_BIN, none, "--top", true, none},
      {VIGIL_LEAK_DRIVER_BIN, none, "--cycles", false, none, false},
      {VIGIL_LEAK_DRIVER_BIN, none, "--requests-per-cycle", false, none, false},
      {VIGIL_LEAK_DRIVER_BIN, none, "--seed", true, none, false},
      {VIGIL_POOL_BIN, none, "--requests", false, none},
      {VIGIL_POOL_BIN, none, "--threads", false, none},
      {VIGIL_POOL_BIN, none, "--events-per-request", false, none},
      {VIGIL_POOL_BIN, none, "--min-reuse", true, none},
      {VIGIL_ROUTE_CACHE_BIN, none, "--paths-per-route", false, none},
      {VIGIL_ROUTE_CACHE_BIN, none, "--capacity", true, none},
      {VIGIL_ROUTE_CACHE_BIN, none, "--lookups", false, none},
      {VIGIL_ROUTE_CACHE_BIN, none, "--seed", true, none},
      {VIGIL_ROUTE_CACHE_BIN, none, "--min-hit-rate", true, none},
      {VIGIL_SERVER_BIN, none, "--port", true, none},
      {VIGIL_SERVER_BIN, none, "--threads", true, none},
      {VIGIL_SERVER_BIN, none, "--max-body", true, none},
      {VIGIL_SERVER_BIN, none, "--max-head", false, none},
      {VIGIL_SERVER_BIN, none, "--max-headers", false, none},
      {VIGIL_SERVER_BIN, none, "--header-timeout-ms", false, none},
      {VIGIL_SERVER_BIN, none, "--idle-timeout-ms", false, none},
      {VIGIL_SERVER_BIN, none, "--shutdown-grace-ms", true, none},
      {VIGIL_LOAD_BIN, none, "--pid", false, url},
      {VIGIL_LOAD_BIN, none, "--connections", false, url},
      {VIGIL_LOAD_BIN, none, "--threads", false, url},
      {VIGIL_LOAD_BIN, none, "--pipeline", false, url},
      {VIGIL_LOAD_BIN, none, "--requests", false, url},
      {VIGIL_LOAD_BIN, none, "--param-values", false, url},
      {VIGIL_LOAD_BIN, none, "--expect-status", false, url},
      {VIGIL_LOAD_BIN, none, "--windows", false, url},
      {VIGIL_LOAD_BIN, none, "--duration", false, url},
      {VIGIL_LOAD_BIN, none, "--window-seconds", false, url},
      {VIGIL_LOAD_BIN, none, "--warmup", true, url},
      {VIGIL_LOAD_BIN, none, "--timeout", false, url},
      {VIGIL_LOAD_BIN, none, "--startup-timeout", false, url},
      {VIGIL_LOAD_BIN, none, "--rate", false, url},
      {VIGIL_LOAD_BIN, none, "--start-at", false, url},
      {VIGIL_LOAD_BIN, none, "--max-degradation", true, url},
      {VIGIL_LOAD_BIN, none, "--max-p99-rise", true, url},
      {VIGIL_LOAD_BIN, none, "--max-error-rate", true, url},
      {VIGIL_LOAD_BIN, none, "--max-rss-per-mreq", true, url},
      {VIGIL_COUNT_BIN, none, "--iterations", false, bench},
      {VIGIL_COUNT_BIN, none, "--jobs", false, bench},
      {VIGIL_COUNT_BIN, none, "--timeout", false, bench},
      {VIGIL_COUNT_BIN, none, "--functions", true, bench},
      {VIGIL_REPORT_BIN, {"diff"}, "--threshold", true, reports},
      {VIGIL_REPORT_BIN, {"diff"}, "--alpha", false, reports},
  };
}

TEST(NumericOptionRanges, OutOfRangeValuesAreRefusedBeforeAnythingRuns) {
  const std::vector<std::string> always_bad{"-5", "1e30", "18446744073709551616", "abc"};
  for (const NumericOption& o : numeric_options()) {
    std::vector<std::string> values = always_bad;
    if (!o.zero_allowed) values.push_back("0");
    for (const std::string& value : values) {
      vigil::test::ScratchDir dir("vigil-range-test");
      const fs::path json = dir / "report.json";
      std::vector<std::string> args = o.before;
      args.insert(args.end(), {o.option, value});
      if (o.json) args.insert(args.end(), {"--json", json.string()});
      args.insert(args.end(), o.after.begin(), o.after.end());
      const std::string what = fs::path(o.tool).filename().string() + " " + o.option + " " + value;

      // A value taken as valid starts a run: a long one is cut short here.
      const vigil::test::ToolRun r = vigil::test::run_tool(o.tool, args, dir, std::chrono::seconds(20), dir.path());
      EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.out << r.err;
      EXPECT_EQ(r.stderr_lines(), 1) << what << "\n" << r.err;
      EXPECT_NE(r.err.find(o.option), std::string::npos) << what << ": the line names the option\n" << r.err;
      EXPECT_FALSE(fs::exists(json)) << what;
    }
  }
}

}  // namespace
