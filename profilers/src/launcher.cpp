#include "vigil/profilers/launcher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

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

}  // namespace

std::string RunResult::describe() const {
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
      std::string("VIGIL_UNWIND=") + (options.unwind == UnwindMethod::Libunwind ? "libunwind" : "fp"),
  };
}

RunResult run_with_preload(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) throw LaunchError("no program to run");
  if (options.output_dir.empty()) throw LaunchError("no output folder for the capture");
  if (options.stack_depth < 1 || options.stack_depth > 128) throw LaunchError("stack depth must be 1..128");
  std::error_code ec;
  std::filesystem::create_directories(options.output_dir, ec);
  if (ec) throw LaunchError("cannot create " + options.output_dir.string() + ": " + ec.message());
  const auto library = find_preload_library(options.preload_library);

  // Everything the child needs is built before fork: after fork only
  // async-signal-safe calls are allowed (the parent may be multi-threaded).
  std::vector<std::string> env_strings = preload_environment(options);
  std::string ld_preload = "LD_PRELOAD=" + library.string();
  if (const char* old = std::getenv("LD_PRELOAD"); old && *old) ld_preload += std::string(":") + old;
  env_strings.push_back(ld_preload);
  for (char** e = environ; *e; ++e) {
    const std::string_view kv(*e);
    const auto name = kv.substr(0, kv.find('='));
    if (name == "LD_PRELOAD" || name.starts_with("VIGIL_")) continue;
    env_strings.emplace_back(kv);
  }
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  const int out_fd = options.stdout_file ? open_output(*options.stdout_file) : -1;
  const int err_fd = options.stderr_file ? open_output(*options.stderr_file) : -1;

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
  if (pid == 0) {
    ::close(status_pipe[0]);
    if (out_fd >= 0) ::dup2(out_fd, STDOUT_FILENO);
    if (err_fd >= 0) ::dup2(err_fd, STDERR_FILENO);
    ::execvpe(args[0], args.data(), envp.data());
    const int e = errno;
    [[maybe_unused]] auto n = ::write(status_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(status_pipe[1]);
  if (out_fd >= 0) ::close(out_fd);
  if (err_fd >= 0) ::close(err_fd);
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(status_pipe[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(status_pipe[0]);

  int status = 0;
  pid_t w;
  do {
    w = ::waitpid(pid, &status, 0);
  } while (w < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof exec_errno))
    throw LaunchError("cannot run " + argv[0] + ": " + std::strerror(exec_errno));
  if (w < 0) throw LaunchError(std::string("waitpid: ") + std::strerror(errno));

  RunResult r;
  r.pid = pid;
  r.wall = std::chrono::steady_clock::now() - start;
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

}  // namespace vigil::profilers
