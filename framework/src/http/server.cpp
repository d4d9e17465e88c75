#include "vigil/framework/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <system_error>
#include <thread>

#include "sockets.hpp"
#include "vigil/framework/http/connection.hpp"

namespace vigil::framework::http {
namespace {

using Clock = std::chrono::steady_clock;

// Distinct addresses that tag the non-connection entries of an epoll set.
char listener_tag;
char stop_tag;

constexpr int kMaxEvents = 256;
constexpr int kMaxAcceptsPerWake = 64;

}  // namespace

class Server::Loop {
 public:
  Loop(const ServerOptions& options, Service& service, int listener, int stop_fd)
      : listener_(listener), stop_fd_(stop_fd), grace_(options.timeouts.shutdown_grace) {
    context_.limits = options.limits;
    context_.timeouts = options.timeouts;
    auto shortest = std::min(options.timeouts.header, options.timeouts.idle);
    tick_ = std::clamp<Clock::duration>(shortest / 8, std::chrono::milliseconds(5),
                                        std::chrono::milliseconds(250));
    handler_ = service.make_worker();
    context_.handler = handler_.get();
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) throw os_error("epoll_create1");
    watch(listener_, &listener_tag);
    watch(stop_fd_, &stop_tag);
  }

  ~Loop() {
    // Connections before the handler that opened them.
    connections_.clear();
    graveyard_.clear();
    if (listener_ >= 0) ::close(listener_);
    ::close(epoll_);
  }

  void run() {
    std::array<epoll_event, kMaxEvents> events;
    Clock::time_point next_tick = Clock::now() + tick_;
    for (;;) {
      int timeout_ms = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(tick_).count());
      int n = epoll_wait(epoll_, events.data(), kMaxEvents, timeout_ms);
      if (n < 0 && errno != EINTR) throw os_error("epoll_wait");
      Clock::time_point now = Clock::now();
      for (int i = 0; i < n; ++i) {
        void* tag = events[static_cast<std::size_t>(i)].data.ptr;
        if (tag == &listener_tag) {
          accept_connections(now);
        } else if (tag == &stop_tag) {
          begin_stopping(now);
        } else {
          auto* c = static_cast<Connection*>(tag);
          if (c->dead) continue;  // closed earlier in this batch
          apply(*c, c->registered == Connection::Interest::Write ? c->on_writable(now)
                                                                  : c->on_readable(now));
        }
      }
      graveyard_.clear();
      if (now >= next_tick) {
        next_tick = now + tick_;
        for (std::size_t i = connections_.size(); i-- > 0;) {
          Connection& c = *connections_[i];
          apply(c, c.on_tick(now));
        }
        graveyard_.clear();
        if (accept_paused_ && !stopping_) {
          accept_paused_ = false;
          watch(listener_, &listener_tag);
        }
      }
      if (stopping_ && (connections_.empty() || now >= grace_deadline_)) break;
    }
  }

 private:
  void watch(int fd, void* tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = tag;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) < 0) throw os_error("epoll_ctl add");
  }

  void accept_connections(Clock::time_point now) {
    for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      int fd = accept4(listener_, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: stop watching the listener until the next tick
          // rather than spinning on it.
          epoll_ctl(epoll_, EPOLL_CTL_DEL, listener_, nullptr);
          accept_paused_ = true;
        }
        return;  // EAGAIN, or a connection that went away before accept
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto c = std::make_unique<Connection>(fd, handler_->open(format_address(addr)), context_, now);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = c.get();
      if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) < 0) continue;  // c closes fd
      c->slot = connections_.size();
      connections_.push_back(std::move(c));
    }
  }

  void apply(Connection& c, Connection::Interest interest) {
    if (interest == Connection::Interest::Close) {
      remove(c);
      return;
    }
    if (interest == c.registered) return;
    epoll_event ev{};
    ev.events = interest == Connection::Interest::Write ? EPOLLOUT : EPOLLIN;
    ev.data.ptr = &c;
    if (epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd(), &ev) < 0) {
      remove(c);
      return;
    }
    c.registered = interest;
  }

  // Swap-remove; the object lives until the end of the batch, so that later
  // events of the same epoll_wait that point to it see `dead`.
  void remove(Connection& c) {
    c.dead = true;
    std::size_t slot = c.slot;
    std::unique_ptr<Connection> owned = std::move(connections_[slot]);
    if (slot + 1 != connections_.size()) {
      connections_[slot] = std::move(connections_.back());
      connections_[slot]->slot = slot;
    }
    connections_.pop_back();
    epoll_ctl(epoll_, EPOLL_CTL_DEL, owned->fd(), nullptr);
    graveyard_.push_back(std::move(owned));
  }

  void begin_stopping(Clock::time_point now) {
    if (stopping_) return;
    stopping_ = true;
    grace_deadline_ = now + grace_;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, stop_fd_, nullptr);  // level-triggered: stays readable
    if (!accept_paused_) epoll_ctl(epoll_, EPOLL_CTL_DEL, listener_, nullptr);
    ::close(listener_);
    listener_ = -1;
    for (std::size_t i = connections_.size(); i-- > 0;) {
      Connection& c = *connections_[i];
      apply(c, c.on_shutdown());
    }
  }

  int listener_;
  int stop_fd_;
  int epoll_ = -1;
  Clock::duration grace_;
  Clock::duration tick_;
  std::unique_ptr<WorkerHandler> handler_;
  ConnectionContext context_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<std::unique_ptr<Connection>> graveyard_;
  bool accept_paused_ = false;
  bool stopping_ = false;
  Clock::time_point grace_deadline_;
};

Server::Server(ServerOptions options, Service& service)
    : options_(std::move(options)), service_(service) {
  if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
  stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_fd_ < 0) throw os_error("eventfd");
}

Server::~Server() {
  for (int fd : listeners_) ::close(fd);
  ::close(stop_fd_);
}

void Server::listen() {
  for (unsigned i = 0; i < options_.threads; ++i) {
    // With port 0 the first bind picks the port; the others join it.
    const Listener l = open_listener(options_.host, i == 0 ? options_.port : port_, options_.backlog, SOCK_NONBLOCK);
    listeners_.push_back(l.fd);
    port_ = l.port;
  }
}

void Server::run() {
  if (listeners_.empty()) listen();
  std::vector<int> listeners = std::move(listeners_);
  listeners_.clear();
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(listeners.size());
  threads.reserve(listeners.size());
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        Loop loop(options_, service_, listeners[i], stop_fd_);
        loop.run();
      } catch (...) {
        errors[i] = std::current_exception();
        stop();  // one loop failing takes the server down cleanly
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

void Server::stop() {
  std::uint64_t one = 1;
  // write() is async-signal-safe; the eventfd stays readable for every loop.
  [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof one);
}

}  // namespace vigil::framework::http
