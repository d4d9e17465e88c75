// A program with its own SIGPROF handler, as coreutils sort has one (it
// removes its temporary files and re-raises): the handler counts its calls
// and the program raises SIGPROF once itself, after some CPU time.
//   vigil_profile_own_sigprof [--signal]   (signal() instead of sigaction())
// Exit 0 when the handler ran exactly once and is still the one installed:
// the profiler's ticks never reached it, and its own signal did.
#include <signal.h>
#include <time.h>

#include <cstdint>
#include <cstring>

namespace {

volatile sig_atomic_t g_calls = 0;
volatile std::uint64_t g_sink;

void on_sigprof(int) { g_calls = g_calls + 1; }

double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--signal") == 0) {
    if (::signal(SIGPROF, on_sigprof) == SIG_ERR) return 5;
  } else {
    struct sigaction action {};
    action.sa_handler = on_sigprof;
    sigemptyset(&action.sa_mask);
    if (::sigaction(SIGPROF, &action, nullptr) != 0) return 5;
  }
  std::uint64_t x = 1;
  while (cpu_seconds() < 0.5) {
    for (int i = 0; i < 100000; ++i) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  }
  g_sink = x;
  ::raise(SIGPROF);
  struct sigaction now {};
  if (::sigaction(SIGPROF, nullptr, &now) != 0 || now.sa_handler != on_sigprof) return 4;
  return g_calls == 1 ? 0 : 3;
}
