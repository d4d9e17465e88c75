// sigaction and signal, interposed for the CPU profile mode: while the
// sampler holds SIGPROF, what a program sets for SIGPROF is kept apart
// (sampling::program_sigaction) and gets only the SIGPROFs the program
// itself raises, never the profiler's ticks. Every other signal, and every
// call outside the CPU profile mode, goes straight to glibc. coreutils sort,
// for one, sets a handler on SIGPROF that removes its temporary files and
// re-raises the signal: unguarded, the first tick would end it.

#include <signal.h>

#include "cpu_sampler.hpp"

#define VIGIL_EXPORT extern "C" __attribute__((visibility("default")))

VIGIL_EXPORT int sigaction(int signo, const struct sigaction* action, struct sigaction* old) {
  if (signo == SIGPROF && vigil::sampling::program_sigaction(action, old)) return 0;
  return __sigaction(signo, action, old);
}

// glibc's signal() (BSD semantics): the handler stays installed, calls
// restart, the signal is blocked while its handler runs.
VIGIL_EXPORT sighandler_t signal(int signo, sighandler_t handler) {
  struct sigaction action {}, old{};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  if (signo > 0 && signo < NSIG) sigaddset(&action.sa_mask, signo);
  action.sa_flags = SA_RESTART;
  if (sigaction(signo, &action, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}
