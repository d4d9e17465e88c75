#include "vigil/profilers/fixed_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <utility>

#include <fmt/format.h>

namespace vigil::profilers {
namespace {

constexpr std::size_t kTailLines = 20;
constexpr int kPollMs = 200;

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void swap(Fd& other) { std::swap(fd_, other.fd_); }

 private:
  int fd_;
};

}  // namespace

void interrupt_fixed_runs() noexcept { g_interrupted.store(true); }

std::string FixedRunResult::describe(std::chrono::seconds timeout) const {
  if (interrupted) return "interrupted";
  if (timed_out) return fmt::format("no result after {} s", timeout.count());
  if (stopped) return "stopped";
  if (exited) return fmt::format("exit code {}", exit_code);
  return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
}

std::filesystem::path find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    if (dir.empty()) continue;
    const auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) return candidate;
  }
  return {};
}

namespace {

// Forks and executes the program with its stdin, stdout and stderr set up;
// returns its pid and gives the read end of its stderr to `err_read`.
pid_t start_child(const FixedRunOptions& options, Fd& err_read) {
  const pid_t parent = ::getpid();
  // Everything the child needs is built before fork: after fork only
  // async-signal-safe calls are allowed (the caller may run several of these
  // from threads).
  std::vector<std::string> argv_copy = options.argv, env_copy = options.environment;
  std::vector<char*> args, envp;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  for (auto& s : env_copy) envp.push_back(s.data());
  envp.push_back(nullptr);
  const std::string out_path = options.stdout_file.empty() ? "/dev/null" : options.stdout_file.string();
  Fd out(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.get() < 0) throw FixedRunError(fmt::format("cannot open {}: {}", out_path, std::strerror(errno)));
  Fd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int err_pipe[2], status_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw FixedRunError(fmt::format("pipe: {}", std::strerror(errno)));
  Fd err_reader(err_pipe[0]), err_write(err_pipe[1]);
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) throw FixedRunError(fmt::format("pipe: {}", std::strerror(errno)));
  Fd status_read(status_pipe[0]), status_write(status_pipe[1]);

  const pid_t pid = ::fork();
  if (pid < 0) throw FixedRunError(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::dup2(in.get(), STDIN_FILENO);
    ::dup2(out.get(), STDOUT_FILENO);
    ::dup2(err_write.get(), STDERR_FILENO);
    // Dies with the caller (even a SIGKILLed one), and not after it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // Lay out the address space the same way on every run.
    ::personality(ADDR_NO_RANDOMIZE);
    ::execve(args[0], args.data(), envp.data());
    const int e = errno;
    [[maybe_unused]] auto n = ::write(status_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  status_write.reset();
  // The status pipe closes on a successful exec; an errno arrives otherwise.
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(status_read.get(), &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    ::waitpid(pid, nullptr, 0);
    throw FixedRunError(fmt::format("cannot run {}: {}", options.argv[0], std::strerror(exec_errno)));
  }
  err_read.swap(err_reader);
  return pid;
}

using Deadline = std::chrono::steady_clock::time_point;

// Hands each line of the child's stderr to the caller's callback (killing
// the child when it says stop) and keeps the last kTailLines, until stderr
// closes, the deadline passes or runs are interrupted.
void follow_stderr(pid_t pid, int err_read, const FixedRunOptions& options, Deadline deadline,
                   FixedRunResult& result, std::deque<std::string>& tail) {
  auto take_line = [&](std::string line) {
    if (!result.stopped && options.on_stderr_line && !options.on_stderr_line(line)) {
      result.stopped = true;
      ::kill(pid, SIGKILL);
    }
    tail.push_back(std::move(line));
    if (tail.size() > kTailLines) tail.pop_front();
  };
  std::string pending;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || g_interrupted.load()) {
      (left.count() <= 0 ? result.timed_out : result.interrupted) = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{err_read, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), kPollMs)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::read(err_read, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // end of stderr: the program (and its children) closed it
    pending.append(buffer, static_cast<std::size_t>(got));
    std::size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      take_line(pending.substr(0, newline));
      pending.erase(0, newline + 1);
    }
  }
  if (!pending.empty()) take_line(pending);
}

// Reaps the child (which may outlive its stderr: it can close it itself),
// killing it at the deadline or on an interrupt, and records how it ended.
void reap(pid_t pid, Deadline deadline, FixedRunResult& result) {
  int status = 0;
  pid_t w;
  for (;;) {
    w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) break;
    if (w == 0 && !result.timed_out && !result.interrupted &&
        (std::chrono::steady_clock::now() > deadline || g_interrupted.load())) {
      (g_interrupted.load() ? result.interrupted : result.timed_out) = true;
      ::kill(pid, SIGKILL);
    }
    if (w == 0) ::usleep(10'000);
  }
  if (w != pid) return;
  if (WIFEXITED(status)) {
    result.exited = !result.stopped && !result.timed_out && !result.interrupted;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
}

}  // namespace

FixedRunResult run_fixed(const FixedRunOptions& options) {
  if (options.argv.empty()) throw FixedRunError("no program to run");
  FixedRunResult result;
  if (g_interrupted.load()) {
    result.interrupted = true;
    return result;
  }
  Fd err_read;
  const pid_t pid = start_child(options, err_read);
  const Deadline deadline = std::chrono::steady_clock::now() + options.timeout;
  std::deque<std::string> tail;
  follow_stderr(pid, err_read.get(), options, deadline, result, tail);
  reap(pid, deadline, result);
  result.stderr_tail.assign(tail.begin(), tail.end());
  return result;
}

}  // namespace vigil::profilers
