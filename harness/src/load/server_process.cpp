#include "vigil/harness/load/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

extern char** environ;

namespace vigil::harness::load {
namespace {

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return "stopped";
}

}  // namespace

std::uint16_t pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof a;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("cannot find a free port: " + reason);
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

std::filesystem::path find_vigil_server(const std::filesystem::path& self, const std::string& override) {
  std::error_code ec;
  if (!override.empty()) {
    return std::filesystem::is_regular_file(override, ec) ? std::filesystem::path(override) : std::filesystem::path();
  }
  const auto dir = self.parent_path();
  for (const auto& candidate : {dir / "vigil-server", dir / ".." / "server" / "vigil-server"}) {
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate.lexically_normal();
    }
  }
  return {};
}

ServerProcess::ServerProcess(Options options) {
  if (options.command.empty()) throw std::runtime_error("no server command");
  const auto deadline = std::chrono::steady_clock::now() + options.startup_timeout;
  log_fd_ = ::memfd_create("vigil-load-server-log", MFD_CLOEXEC);
  if (log_fd_ < 0) throw std::runtime_error(fmt::format("memfd_create: {}", std::strerror(errno)));
  if (options.reports_port) {
    spawn(options.command, options.cpus, false);
    const auto lines = await_first_lines(options.reports_debug_port ? 2 : 1, deadline);
    port_ = port_in(lines[0], "");
    if (options.reports_debug_port) debug_port_ = port_in(lines[1], "debug ");
  } else {
    port_ = pick_free_port();
    std::vector<std::string> argv;
    for (const auto& a : options.command) argv.push_back(replace_all(a, "{port}", std::to_string(port_)));
    spawn(argv, options.cpus, true);
  }
  await_listening(deadline);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !reaped_) stop();
  if (log_fd_ >= 0) ::close(log_fd_);
}

void ServerProcess::spawn(const std::vector<std::string>& argv_text, const std::vector<int>& cpus,
                          bool with_port_env) {
  // Everything the child needs is built before fork(): after it, the child
  // only makes system calls.
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!with_port_env || std::strncmp(*e, "PORT=", 5) != 0) env_text.emplace_back(*e);
  }
  if (with_port_env) env_text.push_back(fmt::format("PORT={}", port_));
  std::vector<char*> argv, envp;
  for (const auto& a : argv_text) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env_text) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    // Its own process group: a Ctrl-C at the terminal reaches vigil-load,
    // which stops the server itself; and it dies with vigil-load.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    if (!cpus.empty()) ::sched_setaffinity(0, sizeof set, &set);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(log_fd_, 1);
    ::dup2(log_fd_, 2);
    ::execvpe(argv[0], argv.data(), envp.data());
    const char msg[] = "vigil-load: cannot execute the server command\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(127);
  }
  pid_ = pid;
}

bool ServerProcess::exited(int* status) {
  if (reaped_) {
    if (status) *status = status_;
    return true;
  }
  if (pid_ <= 0) return true;
  int s = 0;
  if (::waitpid(pid_, &s, WNOHANG) == pid_) {
    reaped_ = true;
    status_ = s;
    if (status) *status = s;
    return true;
  }
  return false;
}

std::vector<std::string> ServerProcess::await_first_lines(std::size_t count,
                                                         std::chrono::steady_clock::time_point deadline) {
  char text[256];
  for (;;) {
    const ssize_t n = ::pread(log_fd_, text, sizeof text, 0);
    std::vector<std::string> lines;
    for (std::string_view rest(text, n > 0 ? static_cast<std::size_t>(n) : 0); lines.size() < count;) {
      const auto eol = rest.find('\n');
      if (eol == std::string_view::npos) break;
      lines.emplace_back(rest.substr(0, eol));
      rest.remove_prefix(eol + 1);
    }
    if (lines.size() == count) return lines;
    int status = 0;
    if (exited(&status)) {
      throw std::runtime_error(fmt::format("the server {} before listening: {}", describe_status(status),
                                           last_output_line()));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("the server printed no port within the startup timeout");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::uint16_t ServerProcess::port_in(std::string_view line, std::string_view prefix) {
  unsigned port = 0;
  const char* end = line.data() + line.size();
  if (line.starts_with(prefix)) {
    auto [ptr, ec] = std::from_chars(line.data() + prefix.size(), end, port);
    if (ec == std::errc() && ptr == end && port > 0 && port <= 65535) return static_cast<std::uint16_t>(port);
  }
  stop();
  throw std::runtime_error(fmt::format("the server's {} is not \"{}PORT\": \"{}\"",
                                       prefix.empty() ? "first line" : "second line", prefix, line));
}

void ServerProcess::await_listening(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (accepts_connections(port_)) return;
    int status = 0;
    if (exited(&status)) {
      throw std::runtime_error(fmt::format("the server {} before listening on port {}: {}", describe_status(status),
                                           port_, last_output_line()));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error(fmt::format("nothing accepted connections on port {} within the startup timeout",
                                           port_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int ServerProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0 || reaped_) return status_;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (!exited()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      int s = 0;
      ::waitpid(pid_, &s, 0);
      reaped_ = true;
      status_ = s;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

void ServerProcess::trim_log() {
  // Truncating leaves the server writing past the end: a hole, which a
  // memfd does not store, so memory stays bounded.
  constexpr off_t kKeep = 1 << 20;
  if (::lseek(log_fd_, 0, SEEK_END) > kKeep) {
    if (::ftruncate(log_fd_, 0) != 0) return;
  }
}

std::string ServerProcess::last_output_line() const {
  const off_t size = ::lseek(log_fd_, 0, SEEK_END);
  if (size <= 0) return "(no output)";
  const off_t from = size > 4096 ? size - 4096 : 0;
  std::string text(static_cast<std::size_t>(size - from), '\0');
  const ssize_t n = ::pread(log_fd_, text.data(), text.size(), from);
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  const std::size_t eol = text.rfind('\n');
  return eol == std::string::npos ? text : text.substr(eol + 1);
}

}  // namespace vigil::harness::load
