// Forks; the child burns a little CPU, then execs the program given:
//   vigil_profile_spawner PROGRAM ARGS...
// The fork child before its exec is not profiled; the program it execs is.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>

namespace {

volatile std::uint64_t g_sink;

__attribute__((noinline)) void child_before_exec() {
  std::uint64_t x = 1;
  for (int i = 0; i < 50000000; ++i) {
    x = x * 6364136223846793005ULL + 1;
    asm volatile("" : "+r"(x));
  }
  g_sink = x;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const pid_t child = ::fork();
  if (child < 0) return 1;
  if (child == 0) {
    child_before_exec();
    ::execv(argv[1], argv + 1);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
