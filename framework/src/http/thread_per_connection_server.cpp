#include "vigil/framework/http/thread_per_connection_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <list>
#include <string>
#include <thread>

#include "sockets.hpp"
#include "vigil/framework/http/parser.hpp"
#include "vigil/framework/http/response_writer.hpp"

namespace vigil::framework::http {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kReadChunk = 16 * 1024;
// After the answer: how long unread request bytes are drained so that
// closing does not reset the connection under the answer.
constexpr auto kLinger = std::chrono::milliseconds(200);

// Waits until `fd` is ready for `events`: false at `deadline`, or when
// `stop_fd` (-1: none) becomes readable.
bool wait_for(int fd, short events, int stop_fd, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    const int n = ::poll(fds, stop_fd < 0 ? 1 : 2, static_cast<int>(std::min<long long>(left, 60'000)));
    if (n < 0 && errno != EINTR) return false;
    if (n <= 0) continue;
    if (stop_fd >= 0 && fds[1].revents != 0) return false;
    if (fds[0].revents != 0) return true;
  }
}

// Sends all of `data` by `deadline`; false when the peer is gone or slow.
bool send_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, -1, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

struct ThreadPerConnectionServer::Impl {
  struct Served {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  ThreadPerConnectionOptions options;
  Service& service;
  Listener listener;
  int stop_fd = -1;  // eventfd: readable once stopping
  std::thread acceptor;
  std::list<Served> served;  // the acceptor's own, until stop() has joined it

  Impl(ThreadPerConnectionOptions o, Service& s) : options(std::move(o)), service(s) {}

  void accept_connections() {
    DateCache date;
    for (;;) {
      pollfd fds[2] = {{stop_fd, POLLIN, 0}, {listener.fd, POLLIN, 0}};
      const int n = ::poll(fds, 2, -1);
      if (n < 0 && errno != EINTR) return;
      if (n <= 0) continue;
      if (fds[0].revents != 0) return;
      reap();
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      const int fd = ::accept4(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
      if (fd < 0) {
        // Out of descriptors: wait a little for some to be freed rather than spin.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          wait_for(stop_fd, POLLIN, -1, Clock::now() + std::chrono::milliseconds(10));
        }
        continue;
      }
      if (served.size() >= options.max_connections) {
        std::string out;
        append_error_response(out, 503, "busy: too many requests being answered", date.now());
        send_all(fd, out, Clock::now() + std::chrono::milliseconds(100));
        ::close(fd);
        continue;
      }
      Served& s = served.emplace_back();
      try {
        s.thread = std::thread([this, fd, peer = format_address(addr), &s] {
          serve(fd, peer);
          ::close(fd);
          s.done.store(true, std::memory_order_release);
        });
      } catch (const std::system_error&) {
        served.pop_back();
        ::close(fd);
      }
    }
  }

  void reap() {
    for (auto it = served.begin(); it != served.end();) {
      if (!it->done.load(std::memory_order_acquire)) {
        ++it;
        continue;
      }
      it->thread.join();
      it = served.erase(it);
    }
  }

  void serve(int fd, const std::string& peer) {
    const auto unique_worker = service.make_worker();
    WorkerHandler& worker = *unique_worker;
    RequestParser parser(options.limits);
    DateCache date;
    std::string in;
    std::size_t received = 0;
    ParseStatus status = ParseStatus::Incomplete;
    bool continue_sent = false;
    const auto read_deadline = Clock::now() + options.io_timeout;
    while (status == ParseStatus::Incomplete) {
      if (parser.expects_continue() && !continue_sent) {
        continue_sent = send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", read_deadline);
      }
      if (!wait_for(fd, POLLIN, stop_fd, read_deadline)) return;
      in.resize(received + kReadChunk);
      const ssize_t n = ::recv(fd, in.data() + received, kReadChunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      received += static_cast<std::size_t>(n);
      status = parser.parse(in.data(), received);
    }
    std::string out;
    if (status == ParseStatus::Error) {
      append_error_response(out, parser.error_status(), parser.error_reason(), date.now());
      worker.on_server_response(parser.error_status());
    } else {
      const Request& request = parser.request();
      Response response;
      worker.open(peer)->handle(request, response);
      append_response(out, response, {request.method == "HEAD", false, request.version_minor}, date.now());
    }
    if (!send_all(fd, out, Clock::now() + options.io_timeout)) return;
    ::shutdown(fd, SHUT_WR);
    const auto linger_deadline = Clock::now() + kLinger;
    char sink[4096];
    while (wait_for(fd, POLLIN, -1, linger_deadline) && ::recv(fd, sink, sizeof sink, 0) > 0) {
    }
  }
};

ThreadPerConnectionServer::ThreadPerConnectionServer(ThreadPerConnectionOptions options, Service& service)
    : impl_(std::make_unique<Impl>(std::move(options), service)) {
  impl_->stop_fd = ::eventfd(0, EFD_CLOEXEC);
  if (impl_->stop_fd < 0) throw os_error("eventfd");
}

ThreadPerConnectionServer::~ThreadPerConnectionServer() {
  stop();
  ::close(impl_->stop_fd);
}

void ThreadPerConnectionServer::listen() {
  impl_->listener = open_listener(impl_->options.host, impl_->options.port, 64, SOCK_NONBLOCK);
}

std::uint16_t ThreadPerConnectionServer::port() const { return impl_->listener.port; }

void ThreadPerConnectionServer::start() {
  if (impl_->listener.fd < 0) listen();
  impl_->acceptor = std::thread([impl = impl_.get()] { impl->accept_connections(); });
}

void ThreadPerConnectionServer::stop() {
  const std::uint64_t one = 1;
  // Fails only when the counter would overflow, which a few writes cannot reach.
  [[maybe_unused]] const ssize_t n = ::write(impl_->stop_fd, &one, sizeof one);
  if (impl_->acceptor.joinable()) impl_->acceptor.join();
  // Connections still in the backlog are refused, not left waiting.
  if (impl_->listener.fd >= 0) ::close(impl_->listener.fd);
  impl_->listener.fd = -1;
  for (Impl::Served& s : impl_->served) s.thread.join();
  impl_->served.clear();
}

}  // namespace vigil::framework::http
