#include "vigil/profilers/capture.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>

namespace vigil::profilers {
namespace {

// Splits a line on single spaces; the last field of `process` and `module`
// lines is a path that may itself contain spaces, so callers ask for at most
// `max_fields` fields and get the rest of the line in the last one.
std::vector<std::string_view> split(std::string_view line, std::size_t max_fields) {
  std::vector<std::string_view> out;
  while (!line.empty() && out.size() + 1 < max_fields) {
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos) break;
    out.push_back(line.substr(0, sp));
    line.remove_prefix(sp + 1);
  }
  out.push_back(line);
  return out;
}

class LineParser {
 public:
  LineParser(const std::filesystem::path& file, std::size_t line_no) : file_(file), line_no_(line_no) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw CaptureError(file_.string() + ":" + std::to_string(line_no_) + ": " + what);
  }

  std::uint64_t num(std::string_view s, int base = 10) const {
    std::uint64_t v = 0;
    auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (err != std::errc() || end != s.data() + s.size() || s.empty()) fail("bad number '" + std::string(s) + "'");
    return v;
  }
  std::uint64_t hex(std::string_view s) const { return num(s, 16); }

  void expect_fields(const std::vector<std::string_view>& f, std::size_t n) const {
    if (f.size() != n) fail("expected " + std::to_string(n) + " fields in '" + std::string(f[0]) + "' line");
  }

 private:
  const std::filesystem::path& file_;
  std::size_t line_no_;
};

SnapshotTrigger parse_trigger(const LineParser& p, std::string_view s) {
  if (s == "cycle") return SnapshotTrigger::Cycle;
  if (s == "timer") return SnapshotTrigger::Timer;
  if (s == "exit") return SnapshotTrigger::Exit;
  p.fail("unknown snapshot trigger '" + std::string(s) + "'");
}

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
    case SnapshotTrigger::Cycle: return "cycle";
    case SnapshotTrigger::Timer: return "timer";
    case SnapshotTrigger::Exit: return "exit";
  }
  return "?";
}

Capture read_capture_file(const std::filesystem::path& file) {
  std::ifstream file_in(file, std::ios::binary);
  if (!file_in) throw CaptureError("cannot open capture " + file.string());
  std::string content((std::istreambuf_iterator<char>(file_in)), std::istreambuf_iterator<char>());
  // A process killed while writing leaves a cut last line: ignore it.
  content.erase(content.find_last_of('\n') == std::string::npos ? 0 : content.find_last_of('\n') + 1);
  std::istringstream in(content);
  Capture cap;
  cap.file = file;
  std::string line;
  std::size_t line_no = 0;
  bool header = false;
  Snapshot* open_snapshot = nullptr;
  bool in_exit = false;
  std::vector<Module> modules;  // map being written by the current snapshot
  while (std::getline(in, line)) {
    ++line_no;
    LineParser p(file, line_no);
    if (line.empty()) continue;
    if (!header) {
      if (line != "vigil-capture 1") p.fail("not a vigil capture (version 1)");
      header = true;
      continue;
    }
    const auto f = split(line, 64);
    const std::string_view kind = f[0];
    if (kind == "process") {
      const auto g = split(line, 6);
      p.expect_fields(g, 6);
      cap.pid = static_cast<pid_t>(p.num(g[1]));
      cap.ppid = static_cast<pid_t>(p.num(g[2]));
      cap.sample_bytes = p.num(g[3]);
      cap.stack_depth = static_cast<std::uint32_t>(p.num(g[4]));
      cap.exe = std::string(g[5]);
    } else if (kind == "site") {
      const auto g = split(line, 3 + 256);
      if (g.size() < 3) p.fail("short site line");
      Site s;
      s.id = static_cast<SiteId>(p.num(g[1]));
      const auto n = p.num(g[2]);
      if (g.size() != 3 + n) p.fail("site frame count does not match");
      for (std::size_t i = 0; i < n; ++i) s.frames.push_back(p.hex(g[3 + i]));
      cap.sites[s.id] = std::move(s);
    } else if (kind == "snapshot") {
      p.expect_fields(f, 9);
      Snapshot s;
      s.index = p.num(f[1]);
      s.time_ns = p.num(f[2]);
      s.trigger = parse_trigger(p, f[3]);
      s.threads = p.num(f[4]);
      s.live_bytes = p.num(f[5]);
      s.live_blocks = p.num(f[6]);
      s.total_bytes = p.num(f[7]);
      s.total_blocks = p.num(f[8]);
      cap.snapshots.push_back(std::move(s));
      open_snapshot = &cap.snapshots.back();
      modules.clear();
    } else if (kind == "s") {
      if (!open_snapshot) p.fail("site counters outside a snapshot");
      p.expect_fields(f, 6);
      SiteCounters c;
      c.site = static_cast<SiteId>(p.num(f[1]));
      if (!cap.sites.count(c.site)) p.fail("counters for an undeclared site");
      c.live_bytes = p.num(f[2]);
      c.live_blocks = p.num(f[3]);
      c.total_bytes = p.num(f[4]);
      c.total_blocks = p.num(f[5]);
      open_snapshot->sites.push_back(c);
    } else if (kind == "module") {
      const auto g = split(line, 3);
      p.expect_fields(g, 3);
      Module m;
      m.bias = p.hex(g[1]);
      m.path = std::string(g[2]);
      modules.push_back(std::move(m));
    } else if (kind == "range") {
      if (modules.empty()) p.fail("range before any module");
      p.expect_fields(f, 4);
      Module::Range r;
      r.start = p.hex(f[1]);
      r.end = p.hex(f[2]);
      if (f[3].size() != 3) p.fail("bad range permissions");
      r.readable = f[3][0] == 'r';
      r.writable = f[3][1] == 'w';
      r.executable = f[3][2] == 'x';
      modules.back().ranges.push_back(r);
    } else if (kind == "end-snapshot") {
      if (!open_snapshot) p.fail("end-snapshot without snapshot");
      std::sort(open_snapshot->sites.begin(), open_snapshot->sites.end(),
                [](const SiteCounters& a, const SiteCounters& b) { return a.site < b.site; });
      open_snapshot = nullptr;
      if (!modules.empty()) cap.modules = modules;
    } else if (kind == "exit") {
      p.expect_fields(f, 2);
      cap.exit = ExitReport{};
      cap.exit->scanned = p.num(f[1]) != 0;
      in_exit = true;
    } else if (kind == "x") {
      if (!in_exit) p.fail("exit counters outside the exit record");
      p.expect_fields(f, 6);
      ExitSite x;
      x.site = static_cast<SiteId>(p.num(f[1]));
      if (!cap.sites.count(x.site)) p.fail("exit counters for an undeclared site");
      x.unreachable_bytes = p.num(f[2]);
      x.unreachable_blocks = p.num(f[3]);
      x.reachable_bytes = p.num(f[4]);
      x.reachable_blocks = p.num(f[5]);
      cap.exit->sites.push_back(x);
    } else if (kind == "end-exit") {
      if (!in_exit) p.fail("end-exit without exit");
      in_exit = false;
      std::sort(cap.exit->sites.begin(), cap.exit->sites.end(),
                [](const ExitSite& a, const ExitSite& b) { return a.site < b.site; });
    } else {
      p.fail("unknown record '" + std::string(kind) + "'");
    }
  }
  if (!header) throw CaptureError("empty capture " + file.string());
  // A record cut short (the process died while writing) is dropped, not trusted.
  if (open_snapshot) cap.snapshots.pop_back();
  if (in_exit) cap.exit.reset();
  return cap;
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
