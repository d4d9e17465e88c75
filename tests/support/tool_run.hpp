#pragma once
// End-to-end CLI tests of the vigil-* tools: runs a built binary with its
// arguments as given (no shell), captures stdout and stderr, and kills it when
// it runs over a time limit. Header-only on purpose: tests/CMakeLists.txt makes
// a test executable of every folder holding a .cpp, and this folder is not one.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace vigil::test {

struct ToolRun {
  int exit_code = -1;  // -1: killed by a signal or over the time limit
  bool timed_out = false;
  std::string out, err;

  long stderr_lines() const { return std::count(err.begin(), err.end(), '\n'); }
};

// A fresh folder under the system's temporary folder, removed with its contents.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix = "vigil-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto p = path_ / name;
    std::ofstream(p) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `binary args...` with stdin from /dev/null, in a process group of its
// own (a time-out kills whatever it started too); the captured output goes
// through files in `scratch` (stdout.txt, stderr.txt). `cwd`: the working
// folder when not empty; `extra_env`: "NAME=value" added to the environment.
inline ToolRun run_tool(const std::string& binary, const std::vector<std::string>& args,
                        const ScratchDir& scratch, std::chrono::seconds limit = std::chrono::seconds(120),
                        const std::filesystem::path& cwd = {}, const std::vector<std::string>& extra_env = {}) {
  const std::string out_path = (scratch / "stdout.txt").string(), err_path = (scratch / "stderr.txt").string();
  std::vector<std::string> storage{binary};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<std::string> env_storage = extra_env;
  for (char** e = environ; *e; ++e) env_storage.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int spawn_error = posix_spawn(&pid, binary.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) throw std::runtime_error("cannot start " + binary);

  ToolRun run;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  bool exited = false;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      exited = WIFEXITED(status);
      break;
    }
    if (done == -1 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      run.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.exit_code = exited ? WEXITSTATUS(status) : -1;
  run.out = read_text_file(out_path);
  run.err = read_text_file(err_path);
  return run;
}

}  // namespace vigil::test
