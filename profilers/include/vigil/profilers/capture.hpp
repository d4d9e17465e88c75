#pragma once
// What the preload library (libvigil_preload.so) records for one process, and
// the reader that turns it back into a C++ model after the run.
//
// On disk: the preload writes one capture file per tracked process into the
// output folder (env VIGIL_OUTPUT), named `vigil-<pid>.capture`; when a
// tracked process exec()s a program that is tracked again, the new image
// writes `vigil-<pid>.<n>.capture` (n = 1, 2, ...) so that nothing is
// overwritten. Children that do not exec (fork, or a raw clone) are not
// tracked and write nothing. The records: capture_format.hpp.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "vigil/profilers/capture_format.hpp"

namespace vigil::profilers {

// Raised for a missing, unreadable or malformed capture; what() is one line.
class CaptureError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An allocation site: the stack of raw return addresses (innermost first,
// the caller of malloc/operator new first; tracker frames already skipped).
struct Site {
  SiteId id = 0;
  std::vector<std::uint64_t> frames;
};

enum class SnapshotTrigger { Cycle, Timer, Exit };

struct Snapshot {
  std::uint64_t index = 0;         // 0, 1, 2 ... in order of writing
  std::uint64_t time_ns = 0;       // CLOCK_MONOTONIC, since tracking began
  SnapshotTrigger trigger = SnapshotTrigger::Cycle;
  std::uint64_t threads = 0;       // live threads of the process (tracker's own excluded)
  std::uint64_t live_bytes = 0;
  std::uint64_t live_blocks = 0;
  std::uint64_t total_bytes = 0;
  std::uint64_t total_blocks = 0;
  std::vector<SiteCounters> sites; // every site that ever allocated, sorted by site id
};

// One loaded ELF object. `bias` is the load bias (dlpi_addr): ELF virtual
// address + bias = run-time address.
struct Module {
  std::string path;
  std::uint64_t bias = 0;
  struct Range {
    std::uint64_t start = 0, end = 0;  // run-time addresses, end exclusive
    bool readable = false, writable = false, executable = false;
  };
  std::vector<Range> ranges;
  bool contains(std::uint64_t address) const;
};

// Unfreed memory at exit, classified by the conservative reachability scan.
struct ExitReport {
  bool scanned = false;          // false in sampling mode: all counted as reachable
  std::vector<ExitSite> sites;   // sites with unfreed memory, sorted by site id
  std::uint64_t unreachable_bytes() const;
  std::uint64_t unreachable_blocks() const;
  std::uint64_t reachable_bytes() const;
  std::uint64_t reachable_blocks() const;
};

// One stack sampled in CPU mode: innermost first, the interrupted pc + 1,
// then return addresses; `weight` sampling periods (1 + the timer's
// overruns: periods that elapsed while the signal waited).
struct CpuSample {
  std::uint64_t weight = 1;
  std::vector<std::uint64_t> frames;
};

// The samples of a process profiled in CPU mode (VIGIL_PROFILE_HZ).
struct CpuSamples {
  std::uint64_t hz = 0;
  std::uint64_t threads = 0;   // threads sampled at least once
  std::uint64_t samples = 0;   // stored samples (= stacks.size())
  std::uint64_t dropped = 0;   // samples lost: the store was full
  std::vector<CpuSample> stacks;
};

struct Capture {
  pid_t pid = 0;
  pid_t ppid = 0;
  std::string exe;
  std::uint64_t sample_bytes = 0;      // 0 = exact mode
  std::uint32_t stack_depth = 0;
  std::map<SiteId, Site> sites;
  std::vector<Snapshot> snapshots;     // in order; includes the exit snapshot
  std::vector<Module> modules;         // latest module map written
  std::optional<ExitReport> exit;      // absent: the process died or exec'd first
  std::optional<CpuSamples> cpu;       // CPU profile mode: present once complete
  std::filesystem::path file;          // the capture file read

  const Site* site(SiteId id) const;
  // The module containing `address`, or nullptr.
  const Module* module_of(std::uint64_t address) const;
};

// Capture files in `dir`, in the order they were created (pid, then n).
struct CaptureFileInfo {
  std::filesystem::path file;
  pid_t pid = 0;
  unsigned generation = 0;  // n of vigil-<pid>.<n>.capture; 0 for the first image
};
std::vector<CaptureFileInfo> list_captures(const std::filesystem::path& dir);

// Reads one capture file. Throws CaptureError.
Capture read_capture_file(const std::filesystem::path& file);

// Reads the capture of process `pid` in `dir` — of its last exec image, the
// one that ran last. Without pid: the last image of the lowest pid found
// (pass RunResult::pid from the launcher to be exact). Throws CaptureError
// when there is none.
Capture read_capture(const std::filesystem::path& dir, std::optional<pid_t> pid = std::nullopt);

std::string to_string(SnapshotTrigger t);

// Follows the capture of a process while it runs: how many snapshots it
// has completed so far, reading only what was appended since the last call
// (a line still being written waits for the next).
class SnapshotProgress {
 public:
  explicit SnapshotProgress(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::uint64_t completed();

 private:
  std::filesystem::path dir_;
  std::filesystem::path file_;  // the first capture in dir_, once there is one
  std::uint64_t offset_ = 0;
  std::uint64_t snapshots_ = 0;
};

}  // namespace vigil::profilers
