#include "vigil/profilers/capture.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <string_view>

namespace vigil::profilers {
namespace {

namespace format = capture_format;
using format::Record;
using Fields = std::vector<std::string_view>;

// Splits a line on single spaces into at most `max_fields` fields (0: no
// limit); the last one keeps the rest of the line (a path may hold spaces).
Fields split(std::string_view line, std::size_t max_fields) {
  Fields out;
  while (max_fields == 0 || out.size() + 1 < max_fields) {
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos) break;
    out.push_back(line.substr(0, sp));
    line.remove_prefix(sp + 1);
  }
  out.push_back(line);
  return out;
}

// Reads a capture line by line into a Capture, one method per record.
class CaptureParser {
 public:
  explicit CaptureParser(const std::filesystem::path& file) { cap_.file = file; }

  void parse(std::string_view line) {
    ++line_no_;
    if (line.empty()) return;
    if (!header_) {
      if (line != format::kHeader) fail("not a vigil capture (version 1)");
      header_ = true;
      return;
    }
    const format::RecordSpec* spec = format::find_record(line.substr(0, line.find(' ')));
    if (!spec) fail("unknown record '" + std::string(line.substr(0, line.find(' '))) + "'");
    const Fields f = fields(*spec, line);
    switch (spec->record) {
      case Record::Process: return process(f);
      case Record::Site: return site(f);
      case Record::Snapshot: return snapshot(f);
      case Record::SiteCounters: return site_counters(f);
      case Record::Module: return module(f);
      case Record::Range: return range(f);
      case Record::EndSnapshot: return end_snapshot();
      case Record::Exit: return exit(f);
      case Record::ExitSite: return exit_site(f);
      case Record::EndExit: return end_exit();
      case Record::CpuProfile: return cpu_profile(f);
      case Record::CpuSample: return cpu_sample(f);
      case Record::EndCpuProfile: return end_cpu_profile();
    }
  }

  Capture finish() {
    if (!header_) throw CaptureError("empty capture " + cap_.file.string());
    // A record cut short (the process died while writing) is dropped, not trusted.
    if (open_snapshot_) cap_.snapshots.pop_back();
    if (in_exit_) cap_.exit.reset();
    return std::move(cap_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw CaptureError(cap_.file.string() + ":" + std::to_string(line_no_) + ": " + what);
  }
  std::uint64_t num(std::string_view s, int base = 10) const {
    std::uint64_t v = 0;
    auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (err != std::errc() || end != s.data() + s.size() || s.empty()) fail("bad number '" + std::string(s) + "'");
    return v;
  }
  std::uint64_t hex(std::string_view s) const { return num(s, 16); }
  SiteId declared_site(std::string_view s) const {
    const auto id = static_cast<SiteId>(num(s));
    if (!cap_.sites.count(id)) fail("counters for an undeclared site");
    return id;
  }

  // The record's fields, checked against its spec.
  Fields fields(const format::RecordSpec& spec, std::string_view line) const {
    if (spec.fields == 0) return split(line, 0);
    // Paths close `process` and `module`: the last field takes the rest.
    const bool ends_in_path = spec.record == Record::Process || spec.record == Record::Module;
    Fields f = split(line, ends_in_path ? spec.fields : spec.fields + 1);
    if (f.size() != spec.fields)
      fail("expected " + std::to_string(spec.fields) + " fields in '" + std::string(spec.kind) + "' line");
    return f;
  }

  void process(const Fields& f) {
    cap_.pid = static_cast<pid_t>(num(f[1]));
    cap_.ppid = static_cast<pid_t>(num(f[2]));
    cap_.sample_bytes = num(f[3]);
    cap_.stack_depth = static_cast<std::uint32_t>(num(f[4]));
    cap_.exe = std::string(f[5]);
  }

  void site(const Fields& f) {
    if (f.size() < 3) fail("short site line");
    Site s;
    s.id = static_cast<SiteId>(num(f[1]));
    const auto n = num(f[2]);
    if (f.size() != 3 + n) fail("site frame count does not match");
    for (std::size_t i = 0; i < n; ++i) s.frames.push_back(hex(f[3 + i]));
    cap_.sites[s.id] = std::move(s);
  }

  void snapshot(const Fields& f) {
    Snapshot s;
    s.index = num(f[1]);
    s.time_ns = num(f[2]);
    s.trigger = trigger(f[3]);
    s.threads = num(f[4]);
    s.live_bytes = num(f[5]);
    s.live_blocks = num(f[6]);
    s.total_bytes = num(f[7]);
    s.total_blocks = num(f[8]);
    cap_.snapshots.push_back(std::move(s));
    open_snapshot_ = &cap_.snapshots.back();
    modules_.clear();
  }

  SnapshotTrigger trigger(std::string_view s) const {
    if (s == format::kTriggerCycle) return SnapshotTrigger::Cycle;
    if (s == format::kTriggerTimer) return SnapshotTrigger::Timer;
    if (s == format::kTriggerExit) return SnapshotTrigger::Exit;
    fail("unknown snapshot trigger '" + std::string(s) + "'");
  }

  void site_counters(const Fields& f) {
    if (!open_snapshot_) fail("site counters outside a snapshot");
    SiteCounters c;
    c.site = declared_site(f[1]);
    c.live_bytes = num(f[2]);
    c.live_blocks = num(f[3]);
    c.total_bytes = num(f[4]);
    c.total_blocks = num(f[5]);
    open_snapshot_->sites.push_back(c);
  }

  void module(const Fields& f) {
    Module m;
    m.bias = hex(f[1]);
    m.path = std::string(f[2]);
    modules_.push_back(std::move(m));
  }

  void range(const Fields& f) {
    if (modules_.empty()) fail("range before any module");
    Module::Range r;
    r.start = hex(f[1]);
    r.end = hex(f[2]);
    if (f[3].size() != 3) fail("bad range permissions");
    r.readable = f[3][0] == 'r';
    r.writable = f[3][1] == 'w';
    r.executable = f[3][2] == 'x';
    modules_.back().ranges.push_back(r);
  }

  void end_snapshot() {
    if (!open_snapshot_) fail("end-snapshot without snapshot");
    std::sort(open_snapshot_->sites.begin(), open_snapshot_->sites.end(),
              [](const SiteCounters& a, const SiteCounters& b) { return a.site < b.site; });
    open_snapshot_ = nullptr;
    // The reader keeps the latest complete module map.
    if (!modules_.empty()) cap_.modules = modules_;
  }

  void exit(const Fields& f) {
    cap_.exit = ExitReport{};
    cap_.exit->scanned = num(f[1]) != 0;
    in_exit_ = true;
  }

  void exit_site(const Fields& f) {
    if (!in_exit_) fail("exit counters outside the exit record");
    ExitSite x;
    x.site = declared_site(f[1]);
    x.unreachable_bytes = num(f[2]);
    x.unreachable_blocks = num(f[3]);
    x.reachable_bytes = num(f[4]);
    x.reachable_blocks = num(f[5]);
    cap_.exit->sites.push_back(x);
  }

  void cpu_profile(const Fields& f) {
    cpu_ = CpuSamples{};
    cpu_->hz = num(f[1]);
    cpu_->threads = num(f[2]);
    cpu_->samples = num(f[3]);
    cpu_->dropped = num(f[4]);
    modules_.clear();
  }

  void cpu_sample(const Fields& f) {
    if (!cpu_) fail("cpu sample outside a cpu-profile record");
    if (f.size() < 3) fail("short cpu line");
    CpuSample sample;
    sample.weight = num(f[1]);
    const auto n = num(f[2]);
    if (f.size() != 3 + n) fail("cpu frame count does not match");
    sample.frames.reserve(n);
    for (std::size_t i = 0; i < n; ++i) sample.frames.push_back(hex(f[3 + i]));
    cpu_->stacks.push_back(std::move(sample));
  }

  // A cpu-profile record counts only once complete: a cut one is dropped.
  void end_cpu_profile() {
    if (!cpu_) fail("end-cpu-profile without cpu-profile");
    if (!modules_.empty()) cap_.modules = modules_;
    cap_.cpu = std::move(cpu_);
    cpu_.reset();
  }

  void end_exit() {
    if (!in_exit_) fail("end-exit without exit");
    in_exit_ = false;
    std::sort(cap_.exit->sites.begin(), cap_.exit->sites.end(),
              [](const ExitSite& a, const ExitSite& b) { return a.site < b.site; });
  }

  Capture cap_;
  std::size_t line_no_ = 0;
  bool header_ = false;
  Snapshot* open_snapshot_ = nullptr;
  bool in_exit_ = false;
  std::optional<CpuSamples> cpu_;  // being read, until end-cpu-profile
  std::vector<Module> modules_;  // map being written by the current snapshot
};

// vigil-<pid>.capture or vigil-<pid>.<n>.capture
std::optional<CaptureFileInfo> parse_capture_name(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  constexpr std::string_view prefix = "vigil-", suffix = ".capture";
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix))
    return std::nullopt;
  const std::string_view middle(name.data() + prefix.size(), name.size() - prefix.size() - suffix.size());
  CaptureFileInfo info;
  info.file = file;
  const auto dot = middle.find('.');
  const std::string_view pid_part = middle.substr(0, dot);
  auto [e1, r1] = std::from_chars(pid_part.data(), pid_part.data() + pid_part.size(), info.pid);
  if (r1 != std::errc() || e1 != pid_part.data() + pid_part.size()) return std::nullopt;
  if (dot != std::string_view::npos) {
    const std::string_view gen = middle.substr(dot + 1);
    auto [e2, r2] = std::from_chars(gen.data(), gen.data() + gen.size(), info.generation);
    if (r2 != std::errc() || e2 != gen.data() + gen.size() || gen.empty()) return std::nullopt;
  }
  return info;
}

}  // namespace

bool Module::contains(std::uint64_t address) const {
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const Range& r) { return address >= r.start && address < r.end; });
}

std::uint64_t ExitReport::unreachable_bytes() const {
  std::uint64_t t = 0;
  for (const auto& s : sites) t += s.unreachable_bytes;
  return t;
}
std::uint64_t ExitReport::unreachable_blocks() const {
  std::uint64_t t = 0;
  for (const auto& s : sites) t += s.unreachable_blocks;
  return t;
}
std::uint64_t ExitReport::reachable_bytes() const {
  std::uint64_t t = 0;
  for (const auto& s : sites) t += s.reachable_bytes;
  return t;
}
std::uint64_t ExitReport::reachable_blocks() const {
  std::uint64_t t = 0;
  for (const auto& s : sites) t += s.reachable_blocks;
  return t;
}

const Site* Capture::site(SiteId id) const {
  auto it = sites.find(id);
  return it == sites.end() ? nullptr : &it->second;
}

const Module* Capture::module_of(std::uint64_t address) const {
  for (const auto& m : modules)
    if (m.contains(address)) return &m;
  return nullptr;
}

std::string to_string(SnapshotTrigger t) {
  switch (t) {
    case SnapshotTrigger::Cycle: return std::string(capture_format::kTriggerCycle);
    case SnapshotTrigger::Timer: return std::string(capture_format::kTriggerTimer);
    case SnapshotTrigger::Exit: return std::string(capture_format::kTriggerExit);
  }
  return "?";
}

Capture read_capture_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw CaptureError("cannot open capture " + file.string());
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CaptureParser parser(file);
  // Complete lines only: a process killed while writing leaves a cut last line.
  for (std::size_t start = 0, end; (end = content.find('\n', start)) != std::string::npos; start = end + 1)
    parser.parse(std::string_view(content).substr(start, end - start));
  return parser.finish();
}

std::uint64_t SnapshotProgress::completed() {
  if (file_.empty()) {
    const auto files = list_captures(dir_);
    if (files.empty()) return 0;
    file_ = files.front().file;
  }
  std::ifstream in(file_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset_));
  const std::string_view end_snapshot = capture_format::spec(capture_format::Record::EndSnapshot).kind;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line still being written
    offset_ += line.size() + 1;
    if (line == end_snapshot) ++snapshots_;
  }
  return snapshots_;
}

std::vector<CaptureFileInfo> list_captures(const std::filesystem::path& dir) {
  std::vector<CaptureFileInfo> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) throw CaptureError("cannot read capture folder " + dir.string() + ": " + ec.message());
  for (const auto& entry : it)
    if (auto info = parse_capture_name(entry.path())) out.push_back(*info);
  std::sort(out.begin(), out.end(), [](const CaptureFileInfo& a, const CaptureFileInfo& b) {
    return a.pid != b.pid ? a.pid < b.pid : a.generation < b.generation;
  });
  return out;
}

Capture read_capture(const std::filesystem::path& dir, std::optional<pid_t> pid) {
  const auto files = list_captures(dir);
  if (files.empty()) throw CaptureError("no capture in " + dir.string() + " (was the preload library loaded?)");
  const pid_t want = pid ? *pid : files.front().pid;
  const CaptureFileInfo* last = nullptr;
  for (const auto& f : files)
    if (f.pid == want) last = &f;
  if (!last) throw CaptureError("no capture of pid " + std::to_string(want) + " in " + dir.string());
  return read_capture_file(last->file);
}

}  // namespace vigil::profilers
