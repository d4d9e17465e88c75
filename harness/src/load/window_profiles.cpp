#include "vigil/harness/load/window_profiles.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "vigil/harness/load/response_parser.hpp"
#include "vigil/reports/profile_io.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::harness::load {
namespace {

// The server symbolizes a profile before it answers: time allowed for that.
constexpr Nanos kAnswerGrace = 60'000'000'000;
// A profile of a long run of a large server: far above any seen, bounded all the same.
constexpr std::size_t kMaxAnswer = 256u << 20;
// Samples per CPU-second asked of the server: its CPU timers fire at the
// kernel's ticks (250 Hz here), so this takes one sample a tick, 2.5 times
// what pprof's 99 Hz gives; a 1.5 s window then holds a few hundred, which
// the significance test on the shares needs to see a function grow.
constexpr unsigned kProfileHz = 1000;

class Cancelled : public std::exception {};

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or `deadline`; throws Cancelled
// once `wake_fd` is readable. False at the deadline.
bool wait_for(int fd, short events, int wake_fd, Nanos deadline) {
  for (;;) {
    const Nanos left = deadline - monotonic_now();
    if (left <= 0) return false;
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {fd, events, 0}};
    const int timeout_ms = static_cast<int>(std::min<Nanos>(left / 1'000'000 + 1, 60'000));
    const int n = ::poll(fds, fd < 0 ? 1 : 2, timeout_ms);
    if (n < 0 && errno != EINTR) throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
    if (n <= 0) continue;
    if (fds[0].revents != 0) throw Cancelled();
    if (fd >= 0 && fds[1].revents != 0) return true;
  }
}

// One profile from the debug listener on `port`: a blocking exchange on
// loopback, abandoned at `deadline` or when cancelled.
reports::Profile fetch_profile(std::uint16_t port, Nanos length, int wake_fd, Nanos deadline) {
  Socket s;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    throw std::runtime_error(fmt::format("cannot connect to the debug port {}: {}", port, std::strerror(errno)));
  }
  const std::string request = fmt::format(
      "GET /debug/pprof/profile?seconds={:.3f}&hz={}&format=json HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: "
      "close\r\n\r\n",
      static_cast<double>(length) / 1e9, kProfileHz, port);
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(s.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) throw std::runtime_error(fmt::format("sending the profile request: {}", std::strerror(errno)));
    sent += static_cast<std::size_t>(n);
  }
  ResponseParser parser(kMaxAnswer);
  parser.expect(false);
  char buffer[64 * 1024];
  ResponseParser::Result result = ResponseParser::Result::NeedMore;
  while (result == ResponseParser::Result::NeedMore) {
    if (!wait_for(s.fd(), POLLIN, wake_fd, deadline)) throw std::runtime_error("no answer in time");
    const ssize_t n = ::recv(s.fd(), buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("reading the profile: {}", std::strerror(errno)));
    }
    if (n == 0) {
      result = parser.finish();
      if (result == ResponseParser::Result::NeedMore) {
        throw std::runtime_error("the server closed the connection early");
      }
      break;
    }
    std::size_t used = 0;
    result = parser.feed(std::string_view(buffer, static_cast<std::size_t>(n)), used);
  }
  if (result == ResponseParser::Result::Error) throw std::runtime_error("bad answer: " + parser.error());
  const std::string body(parser.body());
  if (parser.status() != 200) {
    throw std::runtime_error(fmt::format("status {}: {}", parser.status(), body.substr(0, body.find('\n'))));
  }
  return reports::from_profile_json(body);
}

// One window's profile, or why there is none: waits for the window's start
// (only the wake-up is awaited meanwhile), then fetches it.
WindowProfiles fetch_window(std::uint16_t port, const ProfileWindow& w, int wake_fd) {
  WindowProfiles out;
  try {
    wait_for(-1, 0, wake_fd, w.start);
    const Nanos length = std::min(w.length, WindowProfiler::kMaxLength);
    out.profiles[w.name] = fetch_profile(port, length, wake_fd, w.start + length + kAnswerGrace);
  } catch (const Cancelled&) {
    out.failures.push_back(w.name + ": the run ended before it was taken");
  } catch (const std::exception& e) {
    out.failures.push_back(fmt::format("{}: {}", w.name, e.what()));
  }
  return out;
}

}  // namespace

WindowProfiler::WindowProfiler(std::uint16_t port, std::vector<ProfileWindow> windows)
    : wake_fd_(::eventfd(0, EFD_CLOEXEC)) {
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  try {
    for (ProfileWindow& w : windows) {
      fetches_.push_back(std::async(std::launch::async, [port, w = std::move(w), fd = wake_fd_] {
        return fetch_window(port, w, fd);
      }));
    }
  } catch (...) {
    cancel();
    for (auto& f : fetches_) f.wait();
    ::close(wake_fd_);  // no destructor runs for an object not constructed
    throw;
  }
}

WindowProfiler::~WindowProfiler() {
  cancel();
  for (auto& f : fetches_) {
    if (f.valid()) f.wait();
  }
  ::close(wake_fd_);
}

void WindowProfiler::cancel() {
  const std::uint64_t one = 1;
  // Fails only when the counter would overflow, which a few writes cannot reach.
  [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
}

WindowProfiles WindowProfiler::finish(Nanos deadline) {
  WindowProfiles all;
  for (auto& f : fetches_) {
    const Nanos left = std::max<Nanos>(0, deadline - monotonic_now());
    if (f.wait_for(std::chrono::nanoseconds(left)) != std::future_status::ready) cancel();
    WindowProfiles one = f.get();
    all.profiles.merge(one.profiles);
    all.failures.insert(all.failures.end(), one.failures.begin(), one.failures.end());
  }
  fetches_.clear();
  return all;
}

}  // namespace vigil::harness::load
