#include "vigil/harness/load/machine_probe.hpp"

#include <netinet/in.h>
#include <sched.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <thread>

namespace vigil::harness::load {
namespace {

// Round trips of one byte over a loopback TCP connection that this thread
// holds both ends of: the kernel's network path that a server and its
// clients spend most of their time in, without waiting on anyone.
constexpr int kRoundTrips = 40;

std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Both ends of a loopback TCP connection; ok() is false when it could not be made.
class LoopbackPair {
 public:
  LoopbackPair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(listener, 1) == 0 &&
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      a_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (a_ >= 0 && ::connect(a_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        b_ = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      }
    }
    ::close(listener);
    const int one = 1;
    if (ok()) {
      ::setsockopt(a_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::setsockopt(b_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  }
  ~LoopbackPair() {
    if (a_ >= 0) ::close(a_);
    if (b_ >= 0) ::close(b_);
  }
  LoopbackPair(const LoopbackPair&) = delete;
  LoopbackPair& operator=(const LoopbackPair&) = delete;

  bool ok() const { return a_ >= 0 && b_ >= 0; }
  int a() const { return a_; }
  int b() const { return b_; }

 private:
  int a_ = -1, b_ = -1;
};

bool round_trips(int a, int b) {
  char byte = 'p';
  for (int i = 0; i < kRoundTrips; ++i) {
    if (::send(a, &byte, 1, MSG_NOSIGNAL) != 1 || ::recv(b, &byte, 1, 0) != 1) return false;
    if (::send(b, &byte, 1, MSG_NOSIGNAL) != 1 || ::recv(a, &byte, 1, 0) != 1) return false;
  }
  return true;
}

}  // namespace

double machine_probe_ns() {
  constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
  const LoopbackPair pair;
  if (!pair.ok()) return kUnknown;
  std::int64_t least = INT64_MAX;
  for (int run = 0; run < 3; ++run) {
    const std::int64_t start = thread_cpu_ns();
    if (!round_trips(pair.a(), pair.b())) return kUnknown;
    least = std::min(least, thread_cpu_ns() - start);
  }
  return static_cast<double>(least);
}

double machine_probe_ns_beside(pid_t pid) {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (pid <= 0 || ::sched_getaffinity(pid, sizeof cpus, &cpus) != 0) return machine_probe_ns();
  double ns = std::numeric_limits<double>::quiet_NaN();
  std::thread probe([&] {
    if (::sched_setaffinity(0, sizeof cpus, &cpus) == 0) ns = machine_probe_ns();
  });
  probe.join();
  return ns;
}

}  // namespace vigil::harness::load
