#pragma once
// The capture file: what the preload library writes for one tracked process
// and what vigil's tools read back (capture.hpp). Its one definition: the
// records with their fields, and RecordWriter, with which the preload
// formats every record without allocating.
//
// Text, one record per line, fields separated by single spaces; counts in
// decimal, addresses in hex. The last field of `process` and `module` is a
// path and may contain spaces.
//   vigil-capture 1
//   process <pid> <ppid> <sample_bytes> <stack_depth> <exe path>
//   site <id> <n> <hex return address>...        (before the site is first counted)
//   snapshot <index> <time_ns> <trigger> <threads> <live_bytes> <live_blocks>
//            <total_bytes> <total_blocks>          (one line)
//   s <site> <live_bytes> <live_blocks> <total_bytes> <total_blocks>
//   module <hex load bias> <path>                  (the module map)
//   range <hex start> <hex end> <perms rwx>        (a PT_LOAD of the module above)
//   end-snapshot
//   exit <scanned 0|1>
//   x <site> <unreachable_bytes> <unreachable_blocks> <reachable_bytes> <reachable_blocks>
//   end-exit
//   cpu-profile <hz> <threads> <samples> <dropped>  (CPU profile mode, at exit)
//   cpu <weight> <n> <hex address>...             (one sample: the sampling periods
//                                                  it stands for, then its stack,
//                                                  innermost first; the first is the
//                                                  interrupted pc + 1, the others
//                                                  return addresses)
//   module / range ...                             (the module map, as above)
//   end-cpu-profile
// A snapshot is written at each vigil_cycle() call, on the timer (env
// VIGIL_INTERVAL_MS, default 100, 0 = off) as long as the program never
// called vigil_cycle(), and once at exit (trigger "exit"). The module map is
// written with every snapshot (dlopen'ed libraries appear once loaded).
// Sampling mode (VIGIL_SAMPLE_BYTES > 0): byte and block counts are
// estimates, and the exit record is not scanned (scanned 0: all live memory
// counts as still reachable). A process killed while writing leaves a cut
// record at the end, which readers drop.
// CPU profile mode (VIGIL_PROFILE_HZ > 0): no snapshots and no exit record;
// the samples of the whole run follow the process header.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil::profilers {

using SiteId = std::uint32_t;

// One site's counters in a snapshot: the `s` record.
struct SiteCounters {
  SiteId site = 0;
  std::uint64_t live_bytes = 0;
  std::uint64_t live_blocks = 0;
  std::uint64_t total_bytes = 0;  // allocated since process start
  std::uint64_t total_blocks = 0;
};

// What the exit scan found unfreed at one site: the `x` record.
struct ExitSite {
  SiteId site = 0;
  std::uint64_t unreachable_bytes = 0, unreachable_blocks = 0;
  std::uint64_t reachable_bytes = 0, reachable_blocks = 0;
};

namespace capture_format {

inline constexpr std::string_view kHeader = "vigil-capture 1";

enum class Record : std::uint8_t {
  Process, Site, Snapshot, SiteCounters, Module, Range, EndSnapshot, Exit, ExitSite, EndExit,
  CpuProfile, CpuSample, EndCpuProfile
};

struct RecordSpec {
  Record record;
  std::string_view kind;  // the first field
  std::size_t fields;     // including the kind; 0: variable (`site`)
};

inline constexpr RecordSpec kRecords[] = {
    {Record::Process, "process", 6}, {Record::Site, "site", 0},       {Record::Snapshot, "snapshot", 9},
    {Record::SiteCounters, "s", 6},  {Record::Module, "module", 3},   {Record::Range, "range", 4},
    {Record::EndSnapshot, "end-snapshot", 1},                         {Record::Exit, "exit", 2},
    {Record::ExitSite, "x", 6},      {Record::EndExit, "end-exit", 1},
    {Record::CpuProfile, "cpu-profile", 5}, {Record::CpuSample, "cpu", 0},
    {Record::EndCpuProfile, "end-cpu-profile", 1},
};

constexpr const RecordSpec& spec(Record r) { return kRecords[static_cast<std::size_t>(r)]; }

// The record whose kind is `kind`, or nullptr.
constexpr const RecordSpec* find_record(std::string_view kind) {
  for (const RecordSpec& s : kRecords)
    if (s.kind == kind) return &s;
  return nullptr;
}

// What made a snapshot, as written.
inline constexpr std::string_view kTriggerCycle = "cycle", kTriggerTimer = "timer", kTriggerExit = "exit";

// The `snapshot` record's fields after its kind.
struct SnapshotHead {
  std::uint64_t index = 0;
  std::uint64_t time_ns = 0;
  std::string_view trigger;
  std::uint64_t threads = 0;
  std::uint64_t live_bytes = 0, live_blocks = 0;
  std::uint64_t total_bytes = 0, total_blocks = 0;
};

// Formats records into `Sink`, which appends without allocating:
// text(std::string_view), ch(char), dec(std::uint64_t), hex(std::uint64_t).
template <typename Sink>
class RecordWriter {
 public:
  explicit RecordWriter(Sink& sink) : out_(sink) {}

  void header() { line_end(out_.text(kHeader)); }
  void process(std::uint64_t pid, std::uint64_t ppid, std::uint64_t sample_bytes, std::uint64_t stack_depth,
               std::string_view exe) {
    kind(Record::Process).dec(pid).ch(' ').dec(ppid).ch(' ').dec(sample_bytes).ch(' ').dec(stack_depth).ch(' ');
    line_end(out_.text(exe));
  }
  void site(SiteId id, const std::uintptr_t* frames, unsigned count) {
    kind(Record::Site).dec(id).ch(' ').dec(count);
    for (unsigned i = 0; i < count; ++i) out_.ch(' ').hex(frames[i]);
    line_end(out_);
  }
  void snapshot(const SnapshotHead& s) {
    kind(Record::Snapshot).dec(s.index).ch(' ').dec(s.time_ns).ch(' ').text(s.trigger).ch(' ').dec(s.threads).ch(' ');
    out_.dec(s.live_bytes).ch(' ').dec(s.live_blocks).ch(' ').dec(s.total_bytes).ch(' ').dec(s.total_blocks);
    line_end(out_);
  }
  void site_counters(const SiteCounters& c) {
    kind(Record::SiteCounters).dec(c.site).ch(' ').dec(c.live_bytes).ch(' ').dec(c.live_blocks).ch(' ');
    line_end(out_.dec(c.total_bytes).ch(' ').dec(c.total_blocks));
  }
  void module(std::uint64_t bias, std::string_view path) { line_end(kind(Record::Module).hex(bias).ch(' ').text(path)); }
  void range(std::uint64_t start, std::uint64_t end, bool readable, bool writable, bool executable) {
    kind(Record::Range).hex(start).ch(' ').hex(end).ch(' ');
    line_end(out_.ch(readable ? 'r' : '-').ch(writable ? 'w' : '-').ch(executable ? 'x' : '-'));
  }
  void end_snapshot() { line_end(out_.text(spec(Record::EndSnapshot).kind)); }
  void exit(bool scanned) { line_end(kind(Record::Exit).dec(scanned ? 1 : 0)); }
  void exit_site(const ExitSite& x) {
    kind(Record::ExitSite).dec(x.site).ch(' ').dec(x.unreachable_bytes).ch(' ').dec(x.unreachable_blocks).ch(' ');
    line_end(out_.dec(x.reachable_bytes).ch(' ').dec(x.reachable_blocks));
  }
  void end_exit() { line_end(out_.text(spec(Record::EndExit).kind)); }
  void cpu_profile(std::uint64_t hz, std::uint64_t threads, std::uint64_t samples, std::uint64_t dropped) {
    kind(Record::CpuProfile).dec(hz).ch(' ').dec(threads).ch(' ').dec(samples).ch(' ');
    line_end(out_.dec(dropped));
  }
  void cpu_sample(std::uint64_t weight, const std::uintptr_t* frames, unsigned count) {
    kind(Record::CpuSample).dec(weight).ch(' ').dec(count);
    for (unsigned i = 0; i < count; ++i) out_.ch(' ').hex(frames[i]);
    line_end(out_);
  }
  void end_cpu_profile() { line_end(out_.text(spec(Record::EndCpuProfile).kind)); }

 private:
  Sink& kind(Record r) { return out_.text(spec(r).kind).ch(' '); }
  static void line_end(Sink& s) { s.ch('\n'); }
  Sink& out_;
};

}  // namespace capture_format
}  // namespace vigil::profilers
