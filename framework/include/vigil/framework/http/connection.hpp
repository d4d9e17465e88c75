#pragma once
// One client connection: reads into one buffer, parses requests as they
// complete (pipelined ones in order), appends every response to one output
// buffer and writes it in one go. Knows nothing of epoll: the event loop
// calls on_readable/on_writable/on_tick/on_shutdown and gets back what the
// connection waits for next.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "vigil/framework/http/handler.hpp"
#include "vigil/framework/http/limits.hpp"
#include "vigil/framework/http/parser.hpp"
#include "vigil/framework/http/response_writer.hpp"

namespace vigil::framework::http {

// Per event loop, shared by its connections (one thread).
struct ConnectionContext {
  Limits limits;
  Timeouts timeouts;
  WorkerHandler* handler = nullptr;
  Response response;  // reused for every request of the loop
  DateCache date;
};

class Connection {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Interest { Read, Write, Close };

  // Takes ownership of the (non-blocking) socket `fd`.
  Connection(int fd, std::unique_ptr<ConnectionHandler> handler, ConnectionContext& context,
             Clock::time_point now);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Interest on_readable(Clock::time_point now);
  Interest on_writable(Clock::time_point now);
  // Enforces the head deadline (slowloris), the idle timeout and the
  // lingering-close deadline.
  Interest on_tick(Clock::time_point now);
  // Server shutdown: close now when idle, else after the request in flight.
  Interest on_shutdown();

  int fd() const { return fd_; }

  // Bookkeeping for the event loop.
  Interest registered = Interest::Read;
  std::size_t slot = 0;
  bool dead = false;

 private:
  enum class State { Active, Closing, Lingering };

  // The input buffer's size from the handler's read_buffer_size() (what
  // recent requests suggest), or `without_hint` when it has none.
  std::size_t input_capacity(std::size_t without_hint) const;
  bool ensure_read_space();
  void process(Clock::time_point now);
  Interest flush(Clock::time_point now);
  Interest drain();
  void fail(int status, std::string_view reason);
  void update_head_timer(Clock::time_point now);

  int fd_;
  std::unique_ptr<ConnectionHandler> handler_;
  ConnectionContext& context_;
  RequestParser parser_;

  std::unique_ptr<char[]> in_;
  std::size_t in_capacity_ = 0;
  std::size_t in_begin_ = 0;  // first byte of the current request
  std::size_t in_end_ = 0;

  std::string out_;
  std::size_t out_sent_ = 0;

  State state_ = State::Active;
  bool linger_ = false;       // unread input may remain: half-close, then drain
  bool peer_closed_ = false;  // the client shut its side; finish writing, then close
  bool shutting_down_ = false;
  bool continue_sent_ = false;

  bool head_timer_ = true;  // waiting for a request head (from accept)
  Clock::time_point head_started_;
  Clock::time_point last_activity_;
  Clock::time_point linger_deadline_;
};

}  // namespace vigil::framework::http
