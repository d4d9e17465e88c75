#include "vigil/framework/http/connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vigil::framework::http {
namespace {

constexpr std::size_t kInitialInput = 4 * 1024;
constexpr std::size_t kMinReadSpace = 2 * 1024;
// Buffers above these sizes are given back once the connection is idle, so a
// big request does not pin its memory for the life of a keep-alive
// connection. The input's bound is the handler's read_buffer_size() when it
// has one (the connection's buffer-size history).
constexpr std::size_t kRetainedInput = 64 * 1024;
constexpr std::size_t kRetainedOutput = 64 * 1024;
// Stop parsing pipelined requests while this much output waits (backpressure).
constexpr std::size_t kMaxPendingOutput = 256 * 1024;
constexpr std::chrono::milliseconds kMaxLinger{2000};

}  // namespace

Connection::Connection(int fd, std::unique_ptr<ConnectionHandler> handler,
                       ConnectionContext& context, Clock::time_point now)
    : fd_(fd),
      handler_(std::move(handler)),
      context_(context),
      parser_(context.limits),
      head_started_(now),
      last_activity_(now) {}

Connection::~Connection() { ::close(fd_); }

std::size_t Connection::input_capacity(std::size_t without_hint) const {
  const std::size_t hint = handler_->read_buffer_size();
  return hint == 0 ? without_hint : std::max(kInitialInput, hint);
}

bool Connection::ensure_read_space() {
  if (in_capacity_ - in_end_ >= kMinReadSpace) return true;
  if (in_begin_ > 0) {
    // Older requests are done with: move the current one to the front.
    std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
    if (in_capacity_ - in_end_ >= kMinReadSpace) return true;
  }
  in_end_ -= parser_.compact(in_.get(), in_end_);
  if (in_capacity_ - in_end_ >= kMinReadSpace) return true;
  // A request may take its head, its body and one more read; never more.
  const Limits& l = context_.limits;
  std::size_t max = l.max_head_bytes + l.max_body_bytes + kInitialInput + kMinReadSpace;
  if (in_capacity_ >= max) return false;
  // A fresh buffer starts at the size recent requests suggest.
  const std::size_t start = in_capacity_ == 0 ? std::min(input_capacity(kInitialInput), max) : kInitialInput;
  std::size_t capacity = std::min(max, std::max(start, in_capacity_ * 2));
  auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
  if (in_end_ > 0) std::memcpy(bigger.get(), in_.get(), in_end_);
  in_ = std::move(bigger);
  in_capacity_ = capacity;
  return true;
}

Connection::Interest Connection::on_readable(Clock::time_point now) {
  if (state_ == State::Lingering) return drain();
  if (state_ == State::Closing || peer_closed_) return flush(now);
  if (!ensure_read_space()) {
    fail(413, "request too large");
    return flush(now);
  }
  ssize_t n = ::recv(fd_, in_.get() + in_end_, in_capacity_ - in_end_, 0);
  if (n == 0) {
    // The client will send nothing more; answer what it sent, then close.
    peer_closed_ = true;
    return flush(now);
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return registered;
    return Interest::Close;
  }
  in_end_ += static_cast<std::size_t>(n);
  last_activity_ = now;
  process(now);
  return flush(now);
}

Connection::Interest Connection::on_writable(Clock::time_point now) {
  if (state_ == State::Lingering) return drain();
  return flush(now);
}

void Connection::process(Clock::time_point now) {
  while (state_ == State::Active && out_.size() - out_sent_ < kMaxPendingOutput) {
    ParseStatus status = parser_.parse(in_.get() + in_begin_, in_end_ - in_begin_);
    if (status == ParseStatus::Incomplete) {
      if (parser_.expects_continue() && !continue_sent_) {
        out_.append("HTTP/1.1 100 Continue\r\n\r\n");
        continue_sent_ = true;
      }
      break;
    }
    if (status == ParseStatus::Error) {
      fail(parser_.error_status(), parser_.error_reason());
      break;
    }
    const Request& request = parser_.request();
    Response& response = context_.response;
    handler_->handle(request, response);
    bool keep_alive = request.keep_alive && !response.close && !shutting_down_;
    append_response(out_, response,
                    {request.method == "HEAD", keep_alive, request.version_minor},
                    context_.date.now());
    in_begin_ += parser_.consumed();
    parser_.reset();
    continue_sent_ = false;
    if (!keep_alive) {
      state_ = State::Closing;
      linger_ = in_begin_ < in_end_;
    }
  }
  if (in_begin_ == in_end_) {
    in_begin_ = in_end_ = 0;
    if (in_capacity_ > input_capacity(kRetainedInput)) {
      in_.reset();
      in_capacity_ = 0;
    }
  }
  update_head_timer(now);
}

void Connection::update_head_timer(Clock::time_point now) {
  bool waiting_for_head = state_ == State::Active && in_end_ > in_begin_ && !parser_.head_complete();
  if (waiting_for_head && !head_timer_) head_started_ = now;
  head_timer_ = waiting_for_head;
}

void Connection::fail(int status, std::string_view reason) {
  append_error_response(out_, status, reason, context_.date.now());
  context_.handler->on_server_response(status);
  state_ = State::Closing;
  linger_ = true;
  head_timer_ = false;
}

Connection::Interest Connection::flush(Clock::time_point now) {
  // Bounded: each round either writes everything or stops on EAGAIN, and
  // re-parses only requests held back by backpressure.
  for (int round = 0; round < 64; ++round) {
    while (out_sent_ < out_.size()) {
      ssize_t n = ::send(fd_, out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
      if (n > 0) {
        out_sent_ += static_cast<std::size_t>(n);
        last_activity_ = now;
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return Interest::Write;
      } else {
        return Interest::Close;
      }
    }
    out_sent_ = 0;
    if (out_.capacity() > kRetainedOutput) {
      std::string().swap(out_);
    } else {
      out_.clear();
    }
    if (state_ != State::Active || in_begin_ == in_end_) break;
    process(now);
    if (out_.empty()) break;
  }
  if (state_ == State::Active) {
    if (peer_closed_ || (shutting_down_ && in_begin_ == in_end_)) return Interest::Close;
    return Interest::Read;
  }
  if (peer_closed_ || !linger_) return Interest::Close;
  // Lingering close: stop sending, then read and discard what the client
  // still sends, so that closing with unread input does not reset the
  // connection before it has read our response.
  ::shutdown(fd_, SHUT_WR);
  state_ = State::Lingering;
  linger_deadline_ = now + std::min<Clock::duration>(kMaxLinger, context_.timeouts.idle);
  return Interest::Read;
}

Connection::Interest Connection::drain() {
  char scratch[4096];
  for (int i = 0; i < 16; ++i) {
    ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
    if (n > 0) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Interest::Read;
    return Interest::Close;
  }
  return Interest::Read;
}

Connection::Interest Connection::on_tick(Clock::time_point now) {
  if (state_ == State::Lingering) return now >= linger_deadline_ ? Interest::Close : registered;
  if (out_sent_ < out_.size()) {
    // The client does not read its responses.
    return now - last_activity_ > context_.timeouts.idle ? Interest::Close : registered;
  }
  if (head_timer_ && now - head_started_ > context_.timeouts.header) {
    if (in_end_ == in_begin_) return Interest::Close;  // connected, never sent a byte
    fail(408, "request head not received in time");
    return flush(now);
  }
  if (now - last_activity_ > context_.timeouts.idle) return Interest::Close;
  return registered;
}

Connection::Interest Connection::on_shutdown() {
  shutting_down_ = true;
  if (state_ == State::Active && in_begin_ == in_end_ && out_sent_ == out_.size()) {
    return Interest::Close;
  }
  return registered;
}

}  // namespace vigil::framework::http
