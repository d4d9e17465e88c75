#include "vigil/harness/load/process_stats.hpp"

#include <dirent.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include "vigil/harness/load/machine_probe.hpp"

namespace vigil::harness::load {
namespace {

// /proc/PID/stat after the command name (which may hold spaces and
// parentheses): the fields from "state" on.
std::optional<std::string> stat_fields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 > line.size()) return std::nullopt;
  return line.substr(close + 2);
}

// Field n (1-based, as in proc(5)) of /proc/PID/stat, from its tail after the name.
std::optional<unsigned long long> stat_field(const std::string& tail, int n) {
  // The tail starts at field 3 (state).
  const char* p = tail.c_str();
  for (int field = 3; field < n; ++field) {
    p = std::strchr(p, ' ');
    if (p == nullptr) return std::nullopt;
    ++p;
  }
  char* end = nullptr;
  const unsigned long long v = std::strtoull(p, &end, 10);
  if (end == p) return std::nullopt;
  return v;
}

double run_queue_seconds(pid_t pid) {
  double total = 0;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(dir + "/" + e->d_name + "/schedstat");
    unsigned long long on_cpu = 0, waiting = 0;
    if (in >> on_cpu >> waiting) total += static_cast<double>(waiting) / 1e9;
  }
  ::closedir(d);
  return total;
}

// Children of every process, from the parent field of /proc/*/stat.
std::multimap<pid_t, pid_t> children_by_parent() {
  std::multimap<pid_t, pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
    const auto tail = stat_fields(pid);
    if (!tail) continue;
    if (auto parent = stat_field(*tail, 4)) out.emplace(static_cast<pid_t>(*parent), pid);
  }
  ::closedir(d);
  return out;
}

}  // namespace

// A server's threads also wait for one another (a worker it starts queues
// behind its event loop on the one CPU it is pinned to): only a server that
// used less CPU than it may was kept waiting by other work, and by no more
// than the CPU it went without.
double waiting_for_other_work(double waiting_cores, double cpu_cores, int cpus_allowed) {
  if (cpus_allowed <= 0) return waiting_cores;
  return std::min(waiting_cores, std::max(0.0, cpus_allowed - cpu_cores));
}

double steal_seconds(const std::string& proc_stat, const cpu_set_t& cpus) {
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double total = 0;
  std::istringstream lines(proc_stat);
  std::string line;
  while (std::getline(lines, line)) {
    // "cpuN user nice system idle iowait irq softirq steal ...": steal is the 8th value.
    int cpu = -1;
    unsigned long long v[8] = {};
    if (std::sscanf(line.c_str(), "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3],
                    &v[4], &v[5], &v[6], &v[7]) != 9) {
      continue;
    }
    if (cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &cpus)) total += static_cast<double>(v[7]) / ticks;
  }
  return total;
}

namespace {

// CPU time, resident memory and run-queue wait of one process.
std::optional<ProcessStats> read_counters(pid_t pid) {
  const auto tail = stat_fields(pid);
  if (!tail) return std::nullopt;
  const auto utime = stat_field(*tail, 14), stime = stat_field(*tail, 15), rss_pages = stat_field(*tail, 24);
  if (!utime || !stime || !rss_pages) return std::nullopt;
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  static const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  ProcessStats s;
  s.cpu_seconds = static_cast<double>(*utime + *stime) / ticks;
  s.rss_bytes = static_cast<double>(*rss_pages) * page;
  s.run_queue_seconds = run_queue_seconds(pid);
  return s;
}

// The CPUs `pid` may run on, and the host's steal time on them: the
// machine's, so read once for a process tree, at its root.
void read_cpus(pid_t pid, ProcessStats& s) {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (::sched_getaffinity(pid, sizeof cpus, &cpus) != 0) return;
  s.cpus_allowed = CPU_COUNT(&cpus);
  std::ifstream stat("/proc/stat");
  const std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  s.steal_seconds = steal_seconds(text, cpus);
}

// Seconds kept from a CPU between two readings: by other work in this
// machine (run queues) or by the host (steal time on the process's CPUs).
double waited(const ProcessStats& a, const ProcessStats& b) {
  return std::max(0.0, b.run_queue_seconds - a.run_queue_seconds) + std::max(0.0, b.steal_seconds - a.steal_seconds);
}

}  // namespace

std::optional<ProcessStats> read_process(pid_t pid) {
  auto s = read_counters(pid);
  if (s) read_cpus(pid, *s);
  return s;
}

std::optional<ProcessStats> read_process_tree(pid_t pid) {
  auto total = read_process(pid);
  if (!total) return std::nullopt;
  const auto children = children_by_parent();
  std::vector<pid_t> todo;
  for (auto [it, end] = children.equal_range(pid); it != end; ++it) todo.push_back(it->second);
  while (!todo.empty()) {
    const pid_t child = todo.back();
    todo.pop_back();
    if (auto s = read_counters(child)) {
      total->rss_bytes += s->rss_bytes;
      total->cpu_seconds += s->cpu_seconds;
      total->run_queue_seconds += s->run_queue_seconds;
    }
    for (auto [it, end] = children.equal_range(child); it != end; ++it) todo.push_back(it->second);
  }
  return total;
}

void ProcessSampler::take(std::int64_t now, Sample& server, Sample& self) {
  server = {};
  self = {};
  if (server_ > 0) {
    if (auto s = read_process_tree(server_)) server = {true, *s};
  }
  if (auto s = read_process(::getpid())) self = {true, *s};
  last_ = now;
}

void ProcessSampler::baseline(std::int64_t now) { take(now, server_last_, self_last_); }

void ProcessSampler::window_ended(std::int64_t now, Window& w) {
  Sample server, self;
  const std::int64_t before = last_;
  take(now, server, self);
  const double seconds = static_cast<double>(now - before) / 1e9;
  if (seconds > 0 && server.valid && server_last_.valid) {
    const ProcessStats &a = server_last_.stats, &b = server.stats;
    w.server.rss_bytes = b.rss_bytes;
    w.server.cpu_cores = (b.cpu_seconds - a.cpu_seconds) / seconds;
    w.server.run_queue_cores = waiting_for_other_work(waited(a, b) / seconds, w.server.cpu_cores, b.cpus_allowed);
  }
  if (seconds > 0 && self.valid && self_last_.valid) {
    const ProcessStats &a = self_last_.stats, &b = self.stats;
    w.generator_busy = (b.cpu_seconds - a.cpu_seconds) / seconds / generator_cpus_;
    w.generator_waiting = waited(a, b) / seconds / generator_cpus_;
  }
  w.machine_probe_ns = machine_probe_ns_beside(server_);
  server_last_ = server;
  self_last_ = self;
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

void pin_to(const std::vector<int>& cpus) {
  if (cpus.empty()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  ::sched_setaffinity(0, sizeof set, &set);
}

}  // namespace vigil::harness::load
