#pragma once
// One vigil-load run from options to judgement: start the server (or find
// the one named), pin it and the generator apart, load it for the duration
// (or the number of requests), sample the server's and the generator's
// /proc figures at every window boundary, stop the server, judge.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/harness/load/analysis.hpp"
#include "vigil/harness/load/pacer.hpp"
#include "vigil/harness/load/run_record.hpp"
#include "vigil/reports/profile.hpp"

namespace vigil::harness::load {

struct LoadOptions {
  // Where: a URL, or a server this run starts (the reference vigil-server,
  // or any command), or a URL plus the pid of the server behind it.
  std::string url;
  bool spawn_server = false;
  std::vector<std::string> defects;         // the spawned vigil-server's --defect names
  std::string server_bin;                   // override of the vigil-server to start
  std::vector<std::string> spawn_command;   // --spawn -- CMD ARGS ({port} replaced)
  pid_t pid = 0;                            // --pid: sample this running server
  bool pin = true;                          // server and generator on different CPUs
  std::chrono::milliseconds startup_timeout{10'000};
  std::filesystem::path self;               // this executable (finds vigil-server beside it)
  // CPU profiles of the started vigil-server over the first judged window
  // and the last, in the report; a degradation finding names what grew.
  bool profile = false;

  // What and how.
  std::string method = "GET";
  std::string paths_file;
  std::vector<std::string> headers;
  std::string body;
  std::uint64_t param_values = 1'000'000;
  std::uint32_t connections = 32;
  std::uint32_t threads = 1;
  std::uint32_t pipeline = 1;
  double rate = 0;  // 0: closed loop
  Nanos timeout = 5'000'000'000;
  std::optional<int> expect_status;
  std::string expect_body;

  // How long, and how it is cut.
  Nanos duration = 0;           // 0 with requests: until they are answered (at most max_duration)
  std::uint64_t requests = 0;
  std::size_t windows = 0;      // 0: from window_ns, or 20
  Nanos window_ns = 0;
  std::optional<Nanos> warmup;  // default: a tenth of the run, at least one window
  std::int64_t start_at_unix_ns = 0;  // start then (wall clock), not now: several generators, one grid
  JudgeOptions judge;
};

struct LiveStatus {
  double elapsed_s = 0;
  double planned_s = 0;   // 0 when not known (a --requests run)
  std::uint64_t responses = 0;
  std::uint64_t errors = 0;
  double throughput_rps = 0;  // over the last completed window
  double p99_ns = 0;          // of the last completed window
};

struct LoadResult {
  RunRecord record;
  Analysis analysis;
  JudgeOptions judge;
  nlohmann::json config;
  std::string server_description;  // what was loaded, for the summary's first line
  std::map<std::string, reports::Profile> profiles;  // with --profile: "first_window", "last_window"
  bool interrupted = false;
};

// Throws std::invalid_argument (bad options: exit 2) or std::runtime_error
// (the server could not be started or found: exit 2). `interrupt` ends the
// run early (Ctrl-C); the windows completed are judged.
LoadResult run_load(const LoadOptions& options, const std::function<void(const LiveStatus&)>& progress,
                    const std::atomic<bool>& interrupt);

}  // namespace vigil::harness::load
