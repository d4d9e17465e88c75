#include "vigil/harness/load/generator.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <system_error>

#include "vigil/harness/load/process_stats.hpp"
#include "vigil/harness/load/response_parser.hpp"

namespace vigil::harness::load {

// ---- WindowStore ------------------------------------------------------------

void WindowStore::add(std::size_t index, const WindowCounts& counts) {
  std::lock_guard lock(mutex_);
  if (windows_.size() <= index) windows_.resize(index + 1);
  windows_[index].merge(counts);
}

WindowCounts WindowStore::snapshot(std::size_t index) const {
  std::lock_guard lock(mutex_);
  return index < windows_.size() ? windows_[index] : WindowCounts{};
}

std::vector<WindowCounts> WindowStore::take() {
  std::lock_guard lock(mutex_);
  return std::move(windows_);
}

// ---- one event loop -----------------------------------------------------------

namespace {

constexpr Nanos kMs = 1'000'000;
constexpr Nanos kHousekeeping = 10 * kMs;  // timeouts checked, idle windows handed in
constexpr Nanos kFirstBackoff = 10 * kMs;
constexpr Nanos kMaxBackoff = 500 * kMs;
constexpr std::size_t kReadBuffer = 64 * 1024;
constexpr std::size_t kMaxBodyKept = 1024 * 1024;

struct InFlight {
  RequestTiming timing;
  bool head = false;
};

// A fixed ring of the requests in flight on one connection, oldest first.
class InFlightRing {
 public:
  explicit InFlightRing(std::size_t capacity) : slots_(capacity) {}
  std::size_t size() const { return count_; }
  bool full() const { return count_ == slots_.size(); }
  bool empty() const { return count_ == 0; }
  const InFlight& front() const { return slots_[head_]; }
  void push(const InFlight& f) {
    slots_[(head_ + count_) % slots_.size()] = f;
    ++count_;
  }
  InFlight pop() {
    InFlight f = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    --count_;
    return f;
  }
  void clear() { head_ = count_ = 0; }

 private:
  std::vector<InFlight> slots_;
  std::size_t head_ = 0, count_ = 0;
};

}  // namespace

class Generator::Loop {
 public:
  Loop(const GeneratorConfig& config, WindowStore& store, std::atomic<bool>& stop,
       std::atomic<std::uint64_t>& tickets, std::uint32_t first, std::uint32_t count, std::uint32_t seed)
      : config_(config), store_(store), stop_(stop), tickets_(tickets) {
    conns_.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t c = first + i;
      conns_.emplace_back(config.pipeline, config.expect_body.empty() ? 0 : kMaxBodyKept,
                          SplitMix64((static_cast<std::uint64_t>(seed) << 32) ^ c ^ 0x5eed),
                          config.rate > 0 ? Pacer::constant_rate(config.rate, c, config.connections, store.start())
                                          : Pacer::closed_loop());
    }
  }

  void run();

  std::atomic<std::uint64_t> responses{0}, errors{0};
  std::atomic<bool> finished{false};

 private:
  struct Conn {
    Conn(std::uint32_t depth, std::size_t max_body, SplitMix64 r, Pacer p)
        : inflight(depth), parser(max_body), random(r), pacer(p) {}
    int fd = -1;
    bool connecting = false;
    bool want_write = false;
    bool draining = false;  // the server said it closes after the last answer
    std::string out;
    std::size_t out_pos = 0;
    InFlightRing inflight;
    std::vector<Nanos> resend;  // intended times of requests to send again
    ResponseParser parser;
    SplitMix64 random;
    Pacer pacer;
    Nanos room_at = 0;
    Nanos opened_at = 0;
    Nanos retry_at = 0;
    Nanos backoff = 0;
  };

  bool started(Nanos now) const { return now >= store_.start(); }
  bool claim();
  void open(Conn& c, Nanos now);
  void close_fd(Conn& c);
  void fail(Conn& c, ErrorKind kind, Nanos now);
  void count_error(ErrorKind kind, std::uint64_t n, Nanos now);
  void on_connected(Conn& c, Nanos now);
  void fill(Conn& c, Nanos now);
  void send(Conn& c, Nanos intended, Nanos now);
  void flush_out(Conn& c, Nanos now);
  void set_interest(Conn& c, bool write);
  void on_readable(Conn& c);
  void on_event(Conn& c, std::uint32_t what);
  bool on_response(Conn& c, Nanos now);
  void housekeeping(Nanos now);
  void reopen(Nanos now);
  WindowCounts& window_at(Nanos now);
  void hand_in();
  bool all_idle() const;
  Nanos next_wake(Nanos now) const;
  void wait(Nanos now, Nanos until, std::vector<epoll_event>& events, int& n);

  const GeneratorConfig& config_;
  WindowStore& store_;
  std::atomic<bool>& stop_;
  std::atomic<std::uint64_t>& tickets_;
  std::vector<Conn> conns_;
  int epoll_ = -1;
  bool out_of_tickets_ = false;
  std::size_t window_index_ = 0;
  WindowCounts window_;
  std::uint64_t responses_total_ = 0, errors_total_ = 0;
  Nanos next_housekeeping_ = 0;
  std::size_t closed_ = 0;  // connections waiting to be opened again
  std::vector<char> buffer_ = std::vector<char>(kReadBuffer);
};

bool Generator::Loop::claim() {
  if (config_.max_requests == 0) return true;
  if (out_of_tickets_) return false;
  if (tickets_.fetch_add(1, std::memory_order_relaxed) < config_.max_requests) return true;
  out_of_tickets_ = true;
  return false;
}

WindowCounts& Generator::Loop::window_at(Nanos now) {
  const std::size_t index = now <= store_.start() ? 0 : store_.index_of(now);
  if (index != window_index_) {
    hand_in();
    window_index_ = index;
  }
  return window_;
}

void Generator::Loop::hand_in() {
  if (window_.responses != 0 || window_.error_total() != 0) store_.add(window_index_, window_);
  window_ = WindowCounts{};
}

void Generator::Loop::count_error(ErrorKind kind, std::uint64_t n, Nanos now) {
  window_at(now).errors[static_cast<std::size_t>(kind)] += n;
  errors_total_ += n;
}

void Generator::Loop::set_interest(Conn& c, bool write) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (write ? EPOLLOUT : 0u);
  ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
  ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
  c.want_write = write;
}

void Generator::Loop::open(Conn& c, Nanos now) {
  const sockaddr* address = reinterpret_cast<const sockaddr*>(&config_.target.address);
  c.fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    ++closed_;
    count_error(ErrorKind::Connect, 1, now);
    c.backoff = std::min(kMaxBackoff, c.backoff == 0 ? kFirstBackoff : 2 * c.backoff);
    c.retry_at = now + c.backoff;
    return;
  }
  const int one = 1;
  ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c.opened_at = now;
  c.connecting = true;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
  ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
  c.want_write = true;
  if (::connect(c.fd, address, config_.target.address_length) == 0) {
    on_connected(c, now);
  } else if (errno != EINPROGRESS) {
    fail(c, ErrorKind::Connect, now);
  }
}

void Generator::Loop::close_fd(Conn& c) {
  if (c.fd >= 0) {
    ::close(c.fd);  // also leaves the epoll set
    ++closed_;
  }
  c.fd = -1;
  c.connecting = false;
  c.want_write = false;
  c.draining = false;
  c.out.clear();
  c.out_pos = 0;
  c.parser.reset();
}

void Generator::Loop::fail(Conn& c, ErrorKind kind, Nanos now) {
  // Each request lost with the connection is one error; a refused or
  // failed connect is one.
  const std::uint64_t lost = kind == ErrorKind::Connect ? 1 : c.inflight.size();
  if (lost > 0) count_error(kind, lost, now);
  c.inflight.clear();
  close_fd(c);
  if (kind == ErrorKind::Connect) {
    c.backoff = std::min(kMaxBackoff, c.backoff == 0 ? kFirstBackoff : 2 * c.backoff);
    c.retry_at = now + c.backoff;
  } else {
    c.retry_at = now;
  }
}

void Generator::Loop::on_connected(Conn& c, Nanos now) {
  c.connecting = false;
  c.room_at = now;
  set_interest(c, false);
  if (started(now)) fill(c, now);
}

void Generator::Loop::send(Conn& c, Nanos intended, Nanos now) {
  InFlight f;
  f.timing = {intended, now, c.room_at};
  f.head = config_.mix.append_next(c.out, c.random);
  c.inflight.push(f);
}

void Generator::Loop::fill(Conn& c, Nanos now) {
  if (c.fd < 0 || c.connecting || c.draining) return;
  const std::size_t before = c.out.size();
  while (!c.inflight.full() && !c.resend.empty()) {
    send(c, c.resend.front(), now);
    c.resend.erase(c.resend.begin());
  }
  while (!c.inflight.full()) {
    if (c.pacer.paced() && c.pacer.next_due() > now) break;
    if (!claim()) break;
    send(c, c.pacer.take(now), now);
  }
  if (c.out.size() != before && !c.want_write) flush_out(c, now);
}

void Generator::Loop::flush_out(Conn& c, Nanos now) {
  while (c.out_pos < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_pos += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!c.want_write) set_interest(c, true);
      return;
    }
    if (n < 0 && errno == EINTR) continue;
    fail(c, ErrorKind::Write, now);
    return;
  }
  c.out.clear();
  c.out_pos = 0;
  if (c.want_write) set_interest(c, false);
}

bool Generator::Loop::on_response(Conn& c, Nanos now) {
  if (c.inflight.empty()) {
    count_error(ErrorKind::Parse, 1, now);
    return false;
  }
  const InFlight f = c.inflight.pop();
  WindowCounts& w = window_at(now);
  ++w.responses;
  ++responses_total_;
  w.latency.record(static_cast<std::uint64_t>(std::max<Nanos>(0, corrected_latency(f.timing, now))));
  w.uncorrected.record(static_cast<std::uint64_t>(std::max<Nanos>(0, uncorrected_latency(f.timing, now))));
  if (c.pacer.paced()) w.send_lag.record(static_cast<std::uint64_t>(send_lag(f.timing)));
  const int status = c.parser.status();
  if (config_.expect_status) {
    if (status != *config_.expect_status) count_error(ErrorKind::UnexpectedStatus, 1, now);
  } else if (status >= 500) {
    count_error(ErrorKind::Status5xx, 1, now);
  } else if (status >= 400) {
    count_error(ErrorKind::Status4xx, 1, now);
  }
  if (!config_.expect_body.empty() && c.parser.body().find(config_.expect_body) == std::string_view::npos) {
    count_error(ErrorKind::UnexpectedBody, 1, now);
  }
  c.backoff = 0;
  if (c.parser.closes()) {
    // The server closes after this answer: what else is in flight goes out
    // again on a new connection, on its original schedule.
    c.draining = true;
    while (!c.inflight.empty()) c.resend.push_back(c.inflight.pop().timing.intended);
    return false;
  }
  c.room_at = now;
  return true;
}

void Generator::Loop::on_readable(Conn& c) {
  for (;;) {
    const ssize_t n = ::recv(c.fd, buffer_.data(), buffer_.size(), 0);
    const Nanos now = monotonic_now();
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) fail(c, ErrorKind::Read, now);
      return;
    }
    if (n == 0) {
      if (c.parser.finish() == ResponseParser::Result::Complete) on_response(c, now);
      if (c.draining) {
        close_fd(c);
        c.retry_at = now;
      } else {
        fail(c, ErrorKind::Read, now);
      }
      return;
    }
    std::string_view data(buffer_.data(), static_cast<std::size_t>(n));
    bool answered = false;
    while (!data.empty() && !c.draining) {
      if (!c.parser.in_progress() && !c.inflight.empty()) c.parser.expect(c.inflight.front().head);
      std::size_t used = 0;
      const auto r = c.parser.feed(data, used);
      data.remove_prefix(used);
      if (r == ResponseParser::Result::Error) {
        count_error(ErrorKind::Parse, 1, now);
        if (!c.inflight.empty()) c.inflight.pop();
        fail(c, ErrorKind::Read, now);
        return;
      }
      if (r == ResponseParser::Result::NeedMore) break;
      if (!on_response(c, now) && !c.draining) {
        fail(c, ErrorKind::Read, now);
        return;
      }
      answered = true;
    }
    if (c.draining) {
      close_fd(c);
      c.retry_at = now;
      return;
    }
    if (answered) fill(c, now);
    // A short read: the socket is empty for now.
    if (static_cast<std::size_t>(n) < buffer_.size()) return;
  }
}

void Generator::Loop::reopen(Nanos now) {
  for (Conn& c : conns_) {
    if (c.fd < 0 && c.retry_at <= now) {
      --closed_;
      open(c, now);
    }
  }
}

void Generator::Loop::housekeeping(Nanos now) {
  for (Conn& c : conns_) {
    if (c.fd < 0) continue;
    if (c.connecting && now - c.opened_at > config_.timeout) {
      fail(c, ErrorKind::Connect, now);
    } else if (!c.inflight.empty() && now - c.inflight.front().timing.sent > config_.timeout) {
      fail(c, ErrorKind::Timeout, now);
    }
  }
  window_at(now);  // hands in a finished window even when nothing arrives
  responses.store(responses_total_, std::memory_order_relaxed);
  errors.store(errors_total_, std::memory_order_relaxed);
}

bool Generator::Loop::all_idle() const {
  for (const Conn& c : conns_) {
    if (!c.inflight.empty() || !c.resend.empty()) return false;
  }
  return true;
}

Nanos Generator::Loop::next_wake(Nanos now) const {
  Nanos wake = next_housekeeping_;
  if (!started(now)) return std::min(wake, store_.start());
  for (const Conn& c : conns_) {
    if (c.fd < 0) {
      wake = std::min(wake, c.retry_at);
    } else if (c.pacer.paced() && !c.connecting && !c.draining && !c.inflight.full() && !out_of_tickets_) {
      wake = std::min(wake, c.pacer.next_due());
    }
  }
  return wake;
}

void Generator::Loop::wait(Nanos now, Nanos until, std::vector<epoll_event>& events, int& n) {
  const Nanos delay = std::max<Nanos>(0, until - now);
  timespec ts{static_cast<time_t>(delay / 1'000'000'000), static_cast<long>(delay % 1'000'000'000)};
  n = ::epoll_pwait2(epoll_, events.data(), static_cast<int>(events.size()), &ts, nullptr);
  if (n < 0 && errno == ENOSYS) {
    // Kernels before 5.11: millisecond timeouts, rounded up.
    n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                     static_cast<int>((delay + kMs - 1) / kMs));
  }
}

void Generator::Loop::on_event(Conn& c, std::uint32_t what) {
  if (c.fd < 0) return;  // closed earlier in this batch
  const Nanos now = monotonic_now();
  if (c.connecting) {
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0 || (what & (EPOLLERR | EPOLLHUP))) {
      fail(c, ErrorKind::Connect, now);
      return;
    }
    if (what & EPOLLOUT) on_connected(c, now);
    if (c.fd < 0 || c.connecting) return;
  }
  if (what & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(c);
  if (c.fd >= 0 && (what & EPOLLOUT) && c.want_write) flush_out(c, now);
}

void Generator::Loop::run() {
  pin_to(config_.cpus);
  Nanos now = monotonic_now();
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) {
    // Out of file descriptors: every connection of this loop fails to connect.
    count_error(ErrorKind::Connect, conns_.size(), now);
    hand_in();
    errors.store(errors_total_, std::memory_order_relaxed);
    finished.store(true, std::memory_order_release);
    return;
  }
  for (Conn& c : conns_) open(c, now);
  bool sending = false;
  next_housekeeping_ = now + kHousekeeping;
  std::vector<epoll_event> events(256);
  while (!stop_.load(std::memory_order_relaxed)) {
    now = monotonic_now();
    if (started(now)) {
      if (!sending) {
        sending = true;
        for (Conn& c : conns_) fill(c, now);
      } else if (config_.rate > 0) {
        for (Conn& c : conns_) {
          if (!c.inflight.full() && c.pacer.next_due() <= now) fill(c, now);
        }
      }
    }
    if (closed_ > 0) reopen(now);
    if (now >= next_housekeeping_) {
      housekeeping(now);
      next_housekeeping_ = now + kHousekeeping;
      if (out_of_tickets_ && all_idle()) break;
    }
    int n = 0;
    wait(now, next_wake(now), events, n);
    for (int i = 0; i < n; ++i) {
      const epoll_event& e = events[static_cast<std::size_t>(i)];
      on_event(conns_[e.data.u64], e.events);
    }
  }
  for (Conn& c : conns_) close_fd(c);
  closed_ = 0;
  ::close(epoll_);
  hand_in();
  responses.store(responses_total_, std::memory_order_relaxed);
  errors.store(errors_total_, std::memory_order_relaxed);
  finished.store(true, std::memory_order_release);
}

// ---- Generator ---------------------------------------------------------------

Generator::Generator(GeneratorConfig config, WindowStore& store) : config_(std::move(config)), store_(store) {
  if (config_.threads == 0 || config_.connections == 0 || config_.pipeline == 0) {
    throw std::invalid_argument("threads, connections and pipeline must be at least 1");
  }
  const std::uint32_t threads = std::min(config_.threads, config_.connections);
  for (std::uint32_t t = 0, first = 0; t < threads; ++t) {
    const std::uint32_t count = config_.connections / threads + (t < config_.connections % threads ? 1 : 0);
    loops_.push_back(std::make_unique<Loop>(config_, store_, stop_, tickets_, first, count, t + 1));
    first += count;
  }
}

Generator::~Generator() {
  stop();
  join();
}

void Generator::start() {
  for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->run(); });
}

void Generator::stop() { stop_.store(true, std::memory_order_relaxed); }

void Generator::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

bool Generator::done() const {
  for (const auto& loop : loops_) {
    if (!loop->finished.load(std::memory_order_acquire)) return false;
  }
  return !loops_.empty();
}

std::uint64_t Generator::responses() const {
  std::uint64_t n = 0;
  for (const auto& loop : loops_) n += loop->responses.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t Generator::errors() const {
  std::uint64_t n = 0;
  for (const auto& loop : loops_) n += loop->errors.load(std::memory_order_relaxed);
  return n;
}

}  // namespace vigil::harness::load
