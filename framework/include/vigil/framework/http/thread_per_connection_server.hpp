#pragma once
// An HTTP/1.1 server for a few slow requests (debug and admin endpoints: a
// CPU profile takes seconds): a thread per connection, so that a request
// being answered never holds up another, as it would on an event loop.
// One request per connection (answered with "Connection: close"), parsed
// and answered as the event-loop Server does, through the same Service.
//
//   ThreadPerConnectionServer server(options, service);
//   server.listen();   // binds; port() is known from here on
//   server.start();    // accepts on a thread of its own
//   ...
//   server.stop();     // stops accepting, lets requests being answered finish

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "vigil/framework/http/handler.hpp"
#include "vigil/framework/http/limits.hpp"

namespace vigil::framework::http {

struct ThreadPerConnectionOptions {
  std::string host = "127.0.0.1";  // numeric IPv4 or IPv6 address
  std::uint16_t port = 0;          // 0: the kernel picks a free port
  unsigned max_connections = 4;    // served at once; more are answered 503
  Limits limits;
  // To receive a whole request, and again to send its answer.
  std::chrono::milliseconds io_timeout{10'000};
};

class ThreadPerConnectionServer {
 public:
  // `service` must outlive the server.
  ThreadPerConnectionServer(ThreadPerConnectionOptions options, Service& service);
  ~ThreadPerConnectionServer();  // stop()
  ThreadPerConnectionServer(const ThreadPerConnectionServer&) = delete;
  ThreadPerConnectionServer& operator=(const ThreadPerConnectionServer&) = delete;

  // Binds; throws std::system_error naming the address.
  void listen();
  std::uint16_t port() const;
  // Accepts on a thread of its own (after listen()).
  void start();
  // Stops accepting, drops connections still sending their request, waits
  // for the requests being answered, joins every thread. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::framework::http
