#include "vigil/profilers/launcher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace vigil::profilers {
namespace {

std::filesystem::path self_executable_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe.parent_path();
}

bool is_file(const std::filesystem::path& p) {
  std::error_code ec;
  return !p.empty() && std::filesystem::is_regular_file(p, ec);
}

int open_output(const std::filesystem::path& p) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw LaunchError("cannot open " + p.string() + ": " + std::strerror(errno));
  return fd;
}

UnwindMethod unwind_method(const RunOptions& options) {
  if (options.unwind) return *options.unwind;
  const char* env = std::getenv("VIGIL_UNWIND");
  if (!env || !*env || std::string_view(env) == "fp") return UnwindMethod::FramePointer;
  if (std::string_view(env) == "libunwind") return UnwindMethod::Libunwind;
  throw LaunchError(std::string("VIGIL_UNWIND must be fp or libunwind, not '") + env + "'");
}

void check_request(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) throw LaunchError("no program to run");
  if (options.output_dir.empty()) throw LaunchError("no output folder for the capture");
  if (options.stack_depth < 1 || options.stack_depth > 128) throw LaunchError("stack depth must be 1..128");
}

// Everything the child needs, built before fork: after fork only
// async-signal-safe calls are allowed (the parent may be multi-threaded).
class ChildSetup {
 public:
  ChildSetup(const std::vector<std::string>& argv, const RunOptions& options,
             const std::filesystem::path& library)
      : env_(preload_environment(options)), args_(argv) {
    std::string ld_preload = "LD_PRELOAD=" + library.string();
    if (const char* old = std::getenv("LD_PRELOAD"); old && *old) ld_preload += std::string(":") + old;
    env_.push_back(ld_preload);
    for (char** e = environ; *e; ++e) {
      const std::string_view kv(*e);
      const auto name = kv.substr(0, kv.find('='));
      if (name == "LD_PRELOAD" || name.starts_with("VIGIL_")) continue;
      env_.emplace_back(kv);
    }
    for (auto& s : env_) envp_.push_back(s.data());
    envp_.push_back(nullptr);
    for (auto& s : args_) argvp_.push_back(s.data());
    argvp_.push_back(nullptr);
    if (options.stdout_file) out_fd_ = open_output(*options.stdout_file);
    if (options.stderr_file) err_fd_ = open_output(*options.stderr_file);
  }
  ~ChildSetup() {
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }
  ChildSetup(const ChildSetup&) = delete;
  ChildSetup& operator=(const ChildSetup&) = delete;

  // In the child: redirects, then execs; on failure writes errno to `status_fd`.
  [[noreturn]] void exec(int status_fd) const {
    if (out_fd_ >= 0) ::dup2(out_fd_, STDOUT_FILENO);
    if (err_fd_ >= 0) ::dup2(err_fd_, STDERR_FILENO);
    ::execvpe(argvp_[0], argvp_.data(), envp_.data());
    const int e = errno;
    [[maybe_unused]] auto n = ::write(status_fd, &e, sizeof e);
    ::_exit(127);
  }

 private:
  std::vector<std::string> env_, args_;
  std::vector<char*> envp_, argvp_;
  int out_fd_ = -1, err_fd_ = -1;
};

// The errno of a failed exec, or 0 once the exec succeeded (closing the pipe).
int exec_error(int status_fd) {
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(status_fd, &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(status_fd);
  return n == static_cast<ssize_t>(sizeof exec_errno) ? exec_errno : 0;
}

// Waits for the target, killing it once over `limit`.
RunResult wait_for(pid_t pid, std::optional<std::chrono::milliseconds> limit) {
  RunResult r;
  r.pid = pid;
  const auto deadline = std::chrono::steady_clock::now() + limit.value_or(std::chrono::milliseconds(0));
  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, limit ? WNOHANG : 0);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) throw LaunchError(std::string("waitpid: ") + std::strerror(errno));
    if (w == 0 && std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      r.timed_out = true;
      limit.reset();  // now wait for it to go
    } else if (w == 0) {
      ::usleep(10000);
    }
  }
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

}  // namespace

std::string RunResult::describe() const {
  if (timed_out) return "killed: over the time limit";
  if (exited) return "exit code " + std::to_string(exit_code);
  return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
}

std::filesystem::path find_preload_library(const std::optional<std::filesystem::path>& explicit_path) {
  constexpr const char* kName = "libvigil_preload.so";
  if (explicit_path) {
    if (is_file(*explicit_path)) return std::filesystem::absolute(*explicit_path);
    throw LaunchError("preload library not found: " + explicit_path->string());
  }
  if (const char* env = std::getenv("VIGIL_PRELOAD_LIBRARY"); env && *env) {
    if (is_file(env)) return std::filesystem::absolute(env);
    throw LaunchError(std::string("VIGIL_PRELOAD_LIBRARY names a missing file: ") + env);
  }
  std::string looked;
  const auto dir = self_executable_dir();
  for (const auto& candidate : {dir / kName, dir / ".." / "lib" / kName}) {
    if (is_file(candidate)) return std::filesystem::weakly_canonical(candidate);
    looked += candidate.string() + ", ";
  }
#ifdef VIGIL_PRELOAD_BUILD_PATH
  if (is_file(VIGIL_PRELOAD_BUILD_PATH)) return VIGIL_PRELOAD_BUILD_PATH;
  looked += std::string(VIGIL_PRELOAD_BUILD_PATH) + ", ";
#endif
  throw LaunchError("libvigil_preload.so not found (looked in " + looked + "and $VIGIL_PRELOAD_LIBRARY)");
}

std::vector<std::string> preload_environment(const RunOptions& options) {
  return {
      "VIGIL_OUTPUT=" + std::filesystem::absolute(options.output_dir).string(),
      "VIGIL_STACK_DEPTH=" + std::to_string(options.stack_depth),
      "VIGIL_INTERVAL_MS=" + std::to_string(options.interval.count()),
      "VIGIL_SAMPLE_BYTES=" + std::to_string(options.sample_bytes),
      std::string("VIGIL_UNWIND=") + (unwind_method(options) == UnwindMethod::Libunwind ? "libunwind" : "fp"),
      // Always set: a profile mode inherited from the launcher's environment is not the target's.
      "VIGIL_PROFILE_HZ=" + std::to_string(options.profile_hz),
  };
}

RunResult run_with_preload(const std::vector<std::string>& argv, const RunOptions& options) {
  check_request(argv, options);
  std::error_code ec;
  std::filesystem::create_directories(options.output_dir, ec);
  if (ec) throw LaunchError("cannot create " + options.output_dir.string() + ": " + ec.message());
  const ChildSetup child(argv, options, find_preload_library(options.preload_library));

  // The child writes errno here when exec fails; a successful exec closes it.
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) throw LaunchError(std::string("pipe: ") + std::strerror(errno));
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(status_pipe[0]);
    ::close(status_pipe[1]);
    throw LaunchError(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) child.exec(status_pipe[1]);
  ::close(status_pipe[1]);
  const int exec_errno = exec_error(status_pipe[0]);
  RunResult r = wait_for(pid, options.time_limit);
  if (exec_errno != 0) throw LaunchError("cannot run " + argv[0] + ": " + std::strerror(exec_errno));
  r.wall = std::chrono::steady_clock::now() - start;
  return r;
}

}  // namespace vigil::profilers
